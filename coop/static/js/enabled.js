// Lets GOV.UK Frontend's styles know that JavaScript is running (kept out of the page so
// the Content-Security-Policy can forbid inline script).
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
