{{- define "mgrd.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}{{ .Release.Name | trunc 63 | trimSuffix "-" }}{{- else -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "mgrd.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "mgrd.selector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: mgr
{{- end -}}

{{- define "mgrd.secretName" -}}
{{- .Values.auth.existingSecret | default (printf "%s-auth" (include "mgrd.fullname" .)) -}}
{{- end -}}

{{- define "mgrd.etcdEndpoints" -}}
{{- if .Values.etcd.endpoints -}}
{{- join "," .Values.etcd.endpoints -}}
{{- else if .Values.etcd.builtin.enabled -}}
{{- printf "http://%s-etcd:2379" (include "mgrd.fullname" .) -}}
{{- else -}}
{{- fail "etcd.endpoints is empty and etcd.builtin.enabled is false: mgrd needs an etcd" -}}
{{- end -}}
{{- end -}}
