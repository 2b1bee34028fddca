// The login form's one script: it carries the page's fragment (a task link, #/task/<id>) through the login, so
// that the browser lands where the link pointed. The server sees no fragment; the form sends it as `next`.
const next = document.querySelector('input[name="next"]');
if (next !== null && next.value === '' && /^#\/[\w/-]{0,64}$/.test(location.hash)) next.value = location.hash;
