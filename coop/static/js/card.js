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

  // The offline stand-in's 3-D Secure window is a fixed 300 pixels wide with no name: make
  // it fit a narrow screen and tell screen readers what it is. (Real Stripe.js shows its own.)
  function fitCheckWindow() {
    if (!window.MutationObserver) return;
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        Array.prototype.forEach.call(change.addedNodes, function (node) {
          var text = node.querySelector && node.querySelector('p');
          if (!text || text.textContent.indexOf('3D Secure') !== 0) return;
          node.setAttribute('role', 'dialog');
          node.setAttribute('aria-label', 'Check with your bank');
          node.style.width = 'auto';
          node.style.maxWidth = '300px';
          node.style.left = '10px';
          node.style.right = '10px';
          node.style.margin = '0 auto';
          node.style.boxSizing = 'border-box';
          Array.prototype.forEach.call(node.querySelectorAll('button'), function (button, i) {
            button.className = 'govuk-button' + (i ? ' govuk-button--secondary' : '');
            button.style.margin = '10px 5px 0';
          });
        });
      });
    }).observe(document.body, { childList: true });
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
        HTMLFormElement.prototype.submit.call(form); // form.submit is the button named "submit"
      });
    });

    var secret = form.getAttribute('data-client-secret');
    if (secret) {
      busy = true;
      fitCheckWindow();
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
