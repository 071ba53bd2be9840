// "Listen": read a program's title, stage, problem and goal aloud with the browser's
// speech synthesis. The button comes from the server hidden and is shown only here, only
// when the browser can speak, so without JavaScript or speech it is simply absent. The
// words spoken are the page's own ([data-listen-part] elements), in the page's language
// (the button's data-listen-lang); pressing it again while speaking stops.
(function () {
  "use strict";
  if (!("speechSynthesis" in window) || !("SpeechSynthesisUtterance" in window)) {
    return;
  }
  var speaking = null; // the button whose text is being read

  function show(button, stop) {
    button.querySelector("[data-listen-start]").hidden = stop;
    button.querySelector("[data-listen-stop]").hidden = !stop;
  }

  function reveal(root) {
    var buttons = root.querySelectorAll ? root.querySelectorAll("[data-listen]") : [];
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
    }
  }

  function finished(button) {
    if (speaking === button) {
      speaking = null;
    }
    show(button, false);
  }

  function parts(button) {
    var scope = button.closest("#program-main") || document;
    var texts = [];
    scope.querySelectorAll("[data-listen-part]").forEach(function (el) {
      var text = el.textContent.replace(/\s+/g, " ").trim();
      if (text) {
        texts.push(text);
      }
    });
    return texts;
  }

  function speak(button) {
    var lang = button.getAttribute("data-listen-lang") || document.documentElement.lang;
    var texts = parts(button);
    window.speechSynthesis.cancel(); // anything still queued from another page part
    speaking = button;
    show(button, true);
    // One utterance per part: long single utterances are cut short by some engines.
    texts.forEach(function (text, i) {
      var utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = lang;
      if (i === texts.length - 1) {
        utterance.onend = utterance.onerror = function () { finished(button); };
      }
      window.speechSynthesis.speak(utterance);
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-listen]");
    if (!button) {
      return;
    }
    if (speaking === button) {
      window.speechSynthesis.cancel();
      finished(button);
    } else {
      speak(button);
    }
  });
  // htmx swaps in a fresh program part (hidden button included) after each step.
  document.addEventListener("htmx:load", function (event) { reveal(event.target); });
  reveal(document);
}());
