import { useState } from 'preact/hooks';
import { ProblemError } from '../../http.js';
import { fieldErrors, parseCreated, parseUsers, type User } from '../hr-contract.js';
import { api } from '../session-state.js';
import { Failure, FieldError, formText, Loading, useLoad, ViewHeader } from '../ui.js';

/** `GET /users` where the API has it; null where it answers 404 (an older API). */
async function listUsers(signal: AbortSignal): Promise<User[] | null> {
  try {
    return await api('/users', parseUsers, { signal });
  } catch (error) {
    if (error instanceof ProblemError && (error.status === 404 || error.status === 405)) {
      return null;
    }
    throw error;
  }
}

/** The organization's accounts, and adding one: an executive, or an HR colleague. */
export function UsersView() {
  const [users, reload] = useLoad(listUsers, []);
  const [failure, setFailure] = useState<unknown>(null);
  const [errors, setErrors] = useState(new Map<string, string>());
  const [saved, setSaved] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = (event: SubmitEvent): void => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const email = formText(data, 'email').trim();
    const role = formText(data, 'role') || 'executive';
    setBusy(true);
    setFailure(null);
    setErrors(new Map());
    setSaved('');
    api('/users', parseCreated, {
      method: 'POST',
      body: { email, password: formText(data, 'password'), role },
    })
      .then(() => {
        form.reset();
        setSaved(
          `${email} can now sign in as ${role === 'admin' ? 'HR (admin)' : 'an executive'}. Give them the password by a safe way.`,
        );
        reload();
      })
      .catch((error: unknown) => {
        setFailure(error);
        setErrors(fieldErrors(error));
      })
      .finally(() => {
        setBusy(false);
      });
  };

  return (
    <>
      <ViewHeader title="Users">
        The people who sign in: HR (admin) prepares and runs pulses; executives read the
        alignment-gap dashboard and nothing else.
      </ViewHeader>

      <section class="panel" aria-labelledby="user-list-title">
        <h2 id="user-list-title">Accounts</h2>
        {users.state === 'loading' ? <Loading what="Loading accounts…" /> : null}
        {users.state === 'failed' ? <Failure error={users.error} /> : null}
        {users.state === 'ready' && users.value === null ? (
          <p class="empty">This server does not list accounts yet; new ones can still be added.</p>
        ) : null}
        {users.state === 'ready' && users.value !== null ? (
          <ul class="plain-list">
            {users.value.map((user) => (
              <li key={user.id}>
                {user.email}{' '}
                <span class="tag">{user.role === 'admin' ? 'HR (admin)' : 'executive'}</span>
              </li>
            ))}
          </ul>
        ) : null}
      </section>

      <section class="panel" aria-labelledby="user-new-title">
        <h2 id="user-new-title">Add a user</h2>
        <form class="form" onSubmit={submit} noValidate>
          <div class="field">
            <label for="user-email">Email</label>
            <input
              id="user-email"
              name="email"
              type="email"
              autocomplete="off"
              aria-describedby={errors.has('email') ? 'user-email-error' : undefined}
            />
            <FieldError id="user-email-error" message={errors.get('email')} />
          </div>
          <div class="field">
            <label for="user-password">First password (at least 12 characters)</label>
            <input
              id="user-password"
              name="password"
              type="password"
              autocomplete="new-password"
              aria-describedby={errors.has('password') ? 'user-password-error' : undefined}
            />
            <FieldError id="user-password-error" message={errors.get('password')} />
          </div>
          <fieldset class="choices">
            <legend>Role</legend>
            <label class="choice">
              <input type="radio" name="role" value="executive" checked /> Executive: reads the
              dashboard
            </label>
            <label class="choice">
              <input type="radio" name="role" value="admin" /> HR (admin): everything here
            </label>
          </fieldset>
          <Failure error={failure} />
          <p class="status" role="status">
            {saved}
          </p>
          <button class="button" type="submit" disabled={busy}>
            {busy ? 'Adding…' : 'Add user'}
          </button>
        </form>
      </section>
    </>
  );
}
