// Intake form: when 12 digits of an IIN are typed, fill in the name of a citizen seen before and list their
// appeals at this branch.
(function () {
  const form = document.querySelector("form.intake");
  if (!form) return;
  const iin = form.querySelector("#iin");
  const out = document.getElementById("citizen-found");
  const set = (id, value) => { const el = form.querySelector("#" + id); if (el && value != null && !el.value) el.value = value; };
  let last = "";
  iin.addEventListener("input", async () => {
    const value = iin.value.replace(/\D/g, "");
    if (value.length !== 12 || value === last) return;
    last = value;
    const response = await fetch(form.dataset.lookup + "?iin=" + value, { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const data = await response.json();
    out.textContent = "";
    if (!data.found) return;
    set("full_name", data.full_name);
    // Contacts are not shown (personal data): a field left empty keeps what is on record.
    for (const [id, has] of [["phone", data.has_phone], ["email", data.has_email], ["address", data.has_address]]) {
      const el = form.querySelector("#" + id);
      if (el && has && !el.value) el.placeholder = form.dataset.onRecord;
    }
    const language = form.querySelector("#language"); if (language) language.value = data.language;
    const list = document.createElement("ul");
    for (const a of data.appeals) {
      const item = document.createElement("li");
      item.textContent = a.number + " · " + a.date + " · " + a.state;
      list.appendChild(item);
    }
    const title = document.createElement("strong");
    title.textContent = data.full_name;
    out.append(title, list);
  });
})();
