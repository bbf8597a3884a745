// Poort's WebAuthn glue: turns the server's JSON options into navigator.credentials calls and
// posts the answer back in a form. Loaded as a file (the CSP allows no inline script).
//
// - A form with data-webauthn="create" or "get" and data-options='{json}' runs the ceremony
//   when its [data-webauthn-start] button is pressed, puts the answer in its hidden
//   `credential` field and submits.
// - On the login page, #passkey-login offers "Sign in with a passkey" (and passkey autofill
//   where the browser supports conditional mediation): options come from /login/passkey/start.
(function () {
  "use strict";

  function toBuffer(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) {
      base64 += "=";
    }
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) {
      binary += String.fromCharCode(bytes[i]);
    }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function creationOptions(json) {
    var options = json.publicKey;
    options.challenge = toBuffer(options.challenge);
    options.user.id = toBuffer(options.user.id);
    (options.excludeCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
    return { publicKey: options };
  }

  function requestOptions(json) {
    var options = json.publicKey;
    options.challenge = toBuffer(options.challenge);
    (options.allowCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
    return { publicKey: options };
  }

  // Only the extension output the server reads; others may not be plain JSON.
  function extensions(credential) {
    var results = credential.getClientExtensionResults ? credential.getClientExtensionResults() : {};
    return results.credProps ? { credProps: { rk: !!results.credProps.rk } } : {};
  }

  function registrationJson(credential) {
    var response = credential.response;
    return JSON.stringify({
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: {
        attestationObject: toText(response.attestationObject),
        clientDataJSON: toText(response.clientDataJSON),
        transports: response.getTransports ? response.getTransports() : undefined
      },
      extensions: extensions(credential)
    });
  }

  function assertionJson(credential) {
    var response = credential.response;
    return JSON.stringify({
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: {
        authenticatorData: toText(response.authenticatorData),
        clientDataJSON: toText(response.clientDataJSON),
        signature: toText(response.signature),
        userHandle: response.userHandle ? toText(response.userHandle) : null
      },
      extensions: extensions(credential)
    });
  }

  function showError(element, error) {
    if (!element) {
      return;
    }
    // The page carries the texts in its language (data-cancelled, data-failed).
    element.textContent = error && error.name === "NotAllowedError"
      ? element.getAttribute("data-cancelled") || "The request was cancelled or timed out. Try again."
      : element.getAttribute("data-failed") || "Your browser or authenticator could not complete this. Try again or use another method.";
    element.hidden = false;
  }

  function setupCeremonyForm(form) {
    var button = form.querySelector("[data-webauthn-start]");
    var error = form.querySelector("[data-webauthn-error]");
    if (!button) {
      return;
    }
    if (!window.PublicKeyCredential) {
      button.disabled = true;
      showError(error, null);
      return;
    }
    button.addEventListener("click", function () {
      var json = JSON.parse(form.getAttribute("data-options"));
      var create = form.getAttribute("data-webauthn") === "create";
      button.disabled = true;
      var ceremony = create
        ? navigator.credentials.create(creationOptions(json))
        : navigator.credentials.get(requestOptions(json));
      ceremony.then(function (credential) {
        form.querySelector("input[name=credential]").value =
          create ? registrationJson(credential) : assertionJson(credential);
        form.submit();
      }, function (e) {
        button.disabled = false;
        showError(error, e);
      });
    });
  }

  function post(action, fields) {
    var form = document.createElement("form");
    form.method = "post";
    form.action = action;
    Object.keys(fields).forEach(function (name) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = fields[name];
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
  }

  function setupPasskeyLogin(box) {
    var loginForm = document.querySelector("form[action='/login']");
    if (!loginForm || !window.PublicKeyCredential) {
      return;
    }
    var csrf = loginForm.querySelector("input[name=csrf]").value;
    var tx = loginForm.querySelector("input[name=tx]").value;
    var button = box.querySelector("#passkey-button");
    var error = box.querySelector("#passkey-error");
    var pending = null;

    function start() {
      return fetch("/login/passkey/start", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ csrf: csrf }).toString()
      }).then(function (response) {
        if (!response.ok) {
          throw new Error("passkeys unavailable");
        }
        return response.json();
      });
    }

    function finish(credential) {
      post("/login/passkey", { csrf: csrf, tx: tx, credential: assertionJson(credential) });
    }

    start().then(function (json) {
      box.hidden = false;
      var conditional = window.PublicKeyCredential.isConditionalMediationAvailable
        ? window.PublicKeyCredential.isConditionalMediationAvailable()
        : Promise.resolve(false);
      return conditional.then(function (available) {
        if (!available) {
          return;
        }
        // Offer passkeys in the username field's autofill until the button is used.
        pending = new AbortController();
        var options = requestOptions(json);
        options.mediation = "conditional";
        options.signal = pending.signal;
        navigator.credentials.get(options).then(finish, function () { /* aborted or dismissed */ });
      });
    }, function () { /* WebAuthn is off on this server: keep the button hidden */ });

    button.addEventListener("click", function () {
      if (pending) {
        pending.abort();
        pending = null;
      }
      button.disabled = true;
      start().then(function (json) {
        return navigator.credentials.get(requestOptions(json));
      }).then(finish, function (e) {
        button.disabled = false;
        showError(error, e);
      });
    });
  }

  document.querySelectorAll("form[data-webauthn]").forEach(setupCeremonyForm);
  var box = document.getElementById("passkey-login");
  if (box) {
    setupPasskeyLogin(box);
  }
})();
