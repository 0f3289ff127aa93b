// The sign-in page of token mode: a plain HTML form without script (the CSP allows none inline),
// posting the token to /signin, which answers with an HttpOnly session cookie.

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function signInPage(options: { next: string; error?: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Verdict</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; background: #f6f7f9; color: #1d2430; margin: 0; }
  main { max-width: 24rem; margin: 12vh auto; background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px #0002; }
  h1 { font-size: 1.3rem; margin: 0 0 1rem; }
  label { display: block; font-weight: 600; margin-bottom: .3rem; }
  input { width: 100%; box-sizing: border-box; font: inherit; padding: .5rem; border: 1px solid #9aa3b2; border-radius: 4px; }
  button { margin-top: 1rem; font: inherit; padding: .5rem 1.2rem; border: 0; border-radius: 4px; background: #1f5fbf; color: #fff; cursor: pointer; }
  p.error { color: #a11; margin: 0 0 1rem; }
  p.hint { color: #556; font-size: .85rem; margin-top: 1.5rem; }
</style>
</head>
<body>
<main>
<h1>Sign in to Verdict</h1>
${options.error ? `<p class="error" role="alert">${escapeHtml(options.error)}</p>` : ''}<form method="post" action="/signin">
<input type="hidden" name="next" value="${escapeHtml(options.next)}">
<label for="token">Access token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button>
</form>
<p class="hint">Tokens are listed in the server's --auth-token-file. Scripts send them as "Authorization: Bearer &lt;token&gt;" instead.</p>
</main>
</body>
</html>
`;
}
