// Paying by card: Stripe.js tokenises the card in the page, the co-op's server confirms the
// payment, and 3-D Secure goes back to Stripe.js. The processing page asks for the status
// until the webhook has settled the payment, then shows the result.
(function () {
  'use strict';

  // Stripe.js's offline stand-in names its inputs only by placeholder; give each a label.
  var LABELS = {
    number: ['Card number', 'cc-number'],
    exp_month: ['Expiry month (MM)', 'cc-exp-month'],
    exp_year: ['Expiry year (YY)', 'cc-exp-year'],
    cvc: ['Security code (CVC)', 'cc-csc'],
    postal_code: ['Postcode', 'postal-code']
  };

  function labelInputs(container) {
    var inputs = container.querySelectorAll('input');
    Array.prototype.forEach.call(inputs, function (input) {
      var name = input.getAttribute('placeholder');
      var known = LABELS[name];
      if (!known || input.labels && input.labels.length) return;
      var group = document.createElement('div');
      group.className = 'govuk-form-group';
      var label = document.createElement('label');
      label.className = 'govuk-label';
      label.htmlFor = 'card-' + name;
      label.textContent = known[0];
      input.id = 'card-' + name;
      input.setAttribute('autocomplete', known[1]);
      if (name !== 'postal_code') input.setAttribute('inputmode', 'numeric');
      input.removeAttribute('placeholder');
      container.insertBefore(group, input);
      group.appendChild(label);
      group.appendChild(input);
    });
    // The stand-in's own "localstripe:" caption means nothing to a reader.
    Array.prototype.forEach.call(container.querySelectorAll('span'), function (span) {
      if (span.textContent.indexOf('localstripe') === 0) span.hidden = true;
    });
  }

  function showError(message) {
    var box = document.getElementById('card-error');
    document.getElementById('card-error-text').textContent = message;
    box.hidden = false;
    box.focus();
  }

  function setUpPayment(form) {
    var stripe = Stripe(form.getAttribute('data-stripe-key'));
    var card = stripe.elements().create('card');
    var container = document.getElementById('card-element');
    card.mount(container);
    labelInputs(container);
    var button = form.querySelector('[type=submit]');
    var busy = false;

    form.addEventListener('submit', function (event) {
      event.preventDefault();
      if (busy) return; // a double click sends one payment
      busy = true;
      button.setAttribute('aria-disabled', 'true');
      stripe.createToken(card).then(function (result) {
        if (result.error || !result.token) {
          busy = false;
          button.removeAttribute('aria-disabled');
          showError((result.error && result.error.message) ||
            'Check your card details: the card number, expiry date and security code.');
          return;
        }
        form.elements.payment_method.value = result.token.card.id;
        form.submit();
      });
    });

    var secret = form.getAttribute('data-client-secret');
    if (secret) {
      busy = true;
      stripe.confirmCardPayment(secret).then(function (result) {
        var status = result.paymentIntent && result.paymentIntent.status;
        if (!result.error && (status === 'succeeded' || status === 'processing')) {
          window.location.assign(form.getAttribute('data-done-url'));
          return;
        }
        busy = false;
        var waiting = document.getElementById('card-authenticating');
        if (waiting) waiting.hidden = true;
        showError('Your bank could not check it was you, so nothing has been paid. ' +
          'Your places are still held: try again, or use another card.');
      });
    }
  }

  function poll(box) {
    var url = box.getAttribute('data-card-status-url');
    function ask() {
      fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
        .then(function (response) { return response.json(); })
        .then(function (answer) {
          if (answer.status !== 'held') {
            window.location.reload();
          } else {
            window.setTimeout(ask, 1000);
          }
        })
        .catch(function () { window.setTimeout(ask, 3000); });
    }
    window.setTimeout(ask, 1000);
  }

  var form = document.getElementById('card-form');
  if (form) setUpPayment(form);
  var waiting = document.querySelector('[data-card-status-url]');
  if (waiting) poll(waiting);
})();
