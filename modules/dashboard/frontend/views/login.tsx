// The login form.

import { useState } from 'preact/hooks';
import { api, ApiError, type Session } from '../api.js';

export function Login({ onLogin }: { onLogin: (s: Session) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      onLogin(await api<Session>('POST', '/auth', { username, password }));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
    setBusy(false);
  };
  return (
    <main class="login" id="main">
      <h1>mgrd dashboard</h1>
      <form onSubmit={(e) => void submit(e)}>
        <label for="username">Username</label>
        <input id="username" name="username" autocomplete="username" required value={username} onInput={(e) => setUsername((e.target as HTMLInputElement).value)} />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
        <button type="submit" disabled={busy}>Log in</button>
        <p role="alert" class="err-text">{error}</p>
      </form>
      <p class="muted">Create a user with <code>mgrd tell mgr dashboard ac-user-create &lt;name&gt; &lt;password&gt; administrator</code>.</p>
    </main>
  );
}
