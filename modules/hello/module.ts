// hello: the example module. Copy this folder to start a new one.
//
// A module is a folder with module.ts exporting `class Module extends MgrModule`.
// It declares on the class what it offers (COMMANDS, MODULE_OPTIONS,
// NOTIFY_TYPES); the manager reads those declarations. It imports only the SDK.

import { MgrModule, type CmdMap, type CommandReturn, type ModuleCommand, type ModuleOption, type NotifyType } from '../../src/mgr-module/index.js';

export class Module extends MgrModule {
  /** Commands: Ceph descriptors. `mgrd tell mgr hello` or `mgrd tell mgr hello name=ops`. */
  static override COMMANDS: readonly ModuleCommand[] = [
    { cmd: 'hello name=name,type=CephString,req=false', desc: 'Say hello (to whoever `name` names)', perm: 'r' },
    { cmd: 'hello stats', desc: 'Show what the hello module has counted', perm: 'r' },
  ];

  /** Options: set with `mgrd tell mgr config set mgr mgr/hello/place Lisbon`; validated before they are stored. */
  static override MODULE_OPTIONS: readonly ModuleOption[] = [
    { name: 'place', type: 'str', default: 'World', desc: 'Who to greet when no name is given' },
    { name: 'emphasis', type: 'int', default: 0, min: 0, max: 5, desc: 'How many exclamation marks to add' },
  ];

  /** Notifications this module wants: only these reach notify(). */
  static override NOTIFY_TYPES: readonly NotifyType[] = ['osd_map'];

  private osdMapEpochsSeen = 0;
  private lastEpoch = 0;

  /** notify() runs on this module's own queue; reading state with get() is cheap (shared snapshots). */
  override notify(type: NotifyType): void {
    if (type !== 'osd_map') return;
    const epoch = this.get('osd_map').epoch;
    if (epoch !== this.lastEpoch) {
      this.lastEpoch = epoch;
      this.osdMapEpochsSeen++;
    }
  }

  override handleCommand(_inbuf: string, cmd: CmdMap): CommandReturn {
    if (cmd.prefix === 'hello stats') {
      return [0, JSON.stringify({ osd_map_epochs_seen: this.osdMapEpochsSeen, last_epoch: this.lastEpoch }), ''];
    }
    const who = typeof cmd.name === 'string' ? cmd.name : this.getModuleOption<string>('place', 'World');
    const bang = '!'.repeat(this.getModuleOption<number>('emphasis', 0));
    return [0, `Hello ${who}${bang}`, ''];
  }

  /** Called after one of MODULE_OPTIONS changed. */
  override configNotify(): void {
    this.log.info({ place: this.getModuleOption('place') }, 'hello options changed');
  }
}
