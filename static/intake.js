// Intake form: when a valid IIN is typed, fill in the date of birth it carries (if none is typed yet), and
// the name of a citizen seen before with their appeals at this branch.
(function () {
  const form = document.querySelector("form.intake");
  if (!form) return;
  const iin = form.querySelector("#iin");
  const out = document.getElementById("citizen-found");
  const set = (id, value) => { const el = form.querySelector("#" + id); if (el && value != null && !el.value) el.value = value; };

  // The date of birth an IIN carries ("YYYY-MM-DD"), or null when the 12 digits are not a valid IIN; the same
  // rules as reception/appeals/iin.py (digit 7: century; digit 12: the check digit, with a second weighting).
  const birthDateOf = (digits) => {
    if (!/^\d{12}$/.test(digits)) return null;
    const d = digits.split("").map(Number);
    const centuries = { 1: 1800, 2: 1800, 3: 1900, 4: 1900, 5: 2000, 6: 2000 };
    if (!(d[6] in centuries)) return null;
    const weigh = (weights) => weights.reduce((sum, w, i) => sum + w * d[i], 0) % 11;
    let check = weigh([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    if (check === 10) check = weigh([3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]);
    if (check === 10 || check !== d[11]) return null;
    const year = centuries[d[6]] + Number(digits.slice(0, 2));
    const month = Number(digits.slice(2, 4));
    const day = Number(digits.slice(4, 6));
    const born = new Date(Date.UTC(year, month - 1, day));
    if (born.getUTCFullYear() !== year || born.getUTCMonth() !== month - 1 || born.getUTCDate() !== day) return null;
    if (born > new Date()) return null;
    return born.toISOString().slice(0, 10);
  };

  let last = "";
  iin.addEventListener("input", async () => {
    const value = iin.value.replace(/\D/g, "");
    const born = value.length === 12 ? birthDateOf(value) : null;
    // The date of birth is typed as day, month and year (three boxes): all three are filled, or none.
    const boxes = ["day", "month", "year"].map((part) => form.querySelector("#birth_date-" + part));
    if (born && boxes.every((box) => box && !box.value)) {
      const [year, month, day] = born.split("-");
      [Number(day), Number(month), year].forEach((part, i) => { boxes[i].value = String(part); });
    }
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
