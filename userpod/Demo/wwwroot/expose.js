// The /expose demo's own script (served from wwwroot, loaded with the page's nonce): plain DOM code calling the
// app's exposed methods. Delegated listeners, since the server may re-render the elements.
document.addEventListener("click", async (ev) => {
  const q = (s) => document.querySelector(s);
  try {
    if (ev.target.closest(".js-add")) {
      q(".sum").textContent = await htag.call("add", Number(q("input.a").value), Number(q("input.b").value));
    } else if (ev.target.closest(".js-note")) {
      const r = await htag.call("note", q("input.note-text").value);
      q(".note-count").textContent = r.count + " note(s)";
    }
  } catch (e) {
    q(".note-count").textContent = "error: " + e.message;
  }
});
