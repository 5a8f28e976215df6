// The Faces page: send a photo to /api/predict, draw each face's box and expression, and every expression's probability.
const status = document.getElementById("status");
const canvas = document.getElementById("canvas");
const faces = document.getElementById("faces");

function say(text, error) {
  status.textContent = text;
  status.className = error ? "error" : "";
}

fetch("/api/model").then(r => r.json()).then(m => {
  document.getElementById("model").textContent =
    `Model: ${m.kind}, ${m.file}, classes ${m.classes.join(", ")}; input ${m.inputSize}x${m.inputSize} grayscale` +
    (m.metrics && m.metrics.test ? `; test accuracy ${m.metrics.test.microAccuracy.toFixed(3)}` : "");
}).catch(() => say("The model information could not be read.", true));

async function send(blob) {
  say("Finding faces…");
  const form = new FormData();
  form.append("image", blob, blob.name || "photo");
  const response = await fetch("/api/predict", { method: "POST", body: form });
  const body = await response.json();
  if (!response.ok) { say(body.detail || body.title || `Error ${response.status}`, true); return; }
  const image = await createImageBitmap(blob);
  show(image, body);
}

function show(image, body) {
  canvas.width = image.width;
  canvas.height = image.height;
  const g = canvas.getContext("2d");
  g.drawImage(image, 0, 0);
  const line = Math.max(2, Math.round(Math.min(image.width, image.height) / 200));
  g.lineWidth = line;
  g.font = `${Math.max(14, line * 8)}px system-ui, sans-serif`;
  faces.replaceChildren();
  body.faces.forEach((face, i) => {
    const b = face.box;
    g.strokeStyle = "#1c1";
    g.strokeRect(b.x, b.y, b.width, b.height);
    const label = `${i + 1}: ${face.expression} ${(face.probability * 100).toFixed(0)}%`;
    const width = g.measureText(label).width + 8;
    const height = parseInt(g.font) + 6;
    g.fillStyle = "#1c1";
    g.fillRect(b.x, Math.max(0, b.y - height), width, height);
    g.fillStyle = "#000";
    g.fillText(label, b.x + 4, Math.max(height - 6, b.y - 6));

    const item = document.createElement("li");
    item.className = "face";
    item.innerHTML = `<h2><span class="expression"></span> <span class="probability"></span></h2>`;
    item.querySelector(".expression").textContent = face.expression;
    item.querySelector(".probability").textContent = `${(face.probability * 100).toFixed(1)}%`;
    for (const name of body.classes) {
      const p = face.probabilities[name];
      const bar = document.createElement("div");
      bar.className = "bar";
      bar.innerHTML = `<span class="name"></span><span class="track"><span class="fill"></span></span><span class="value"></span>`;
      bar.querySelector(".name").textContent = name;
      bar.querySelector(".fill").style.display = "block";
      bar.querySelector(".fill").style.width = `${(p * 100).toFixed(1)}%`;
      bar.querySelector(".value").textContent = `${(p * 100).toFixed(1)}%`;
      item.appendChild(bar);
    }
    faces.appendChild(item);
  });
  document.getElementById("result").hidden = false;
  say(body.faces.length === 0 ? "No face found in this photo." :
      `${body.faces.length} face(s) in ${body.timing.totalMs.toFixed(0)} ms.`);
}

document.getElementById("file").addEventListener("change", e => { if (e.target.files[0]) send(e.target.files[0]); });
const drop = document.getElementById("drop");
drop.addEventListener("dragover", e => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", e => {
  e.preventDefault();
  drop.classList.remove("over");
  if (e.dataTransfer.files[0]) send(e.dataTransfer.files[0]);
});
document.addEventListener("paste", e => {
  const file = [...e.clipboardData.items].find(i => i.type.startsWith("image/"))?.getAsFile();
  if (file) send(file);
});

const video = document.getElementById("video");
const snap = document.getElementById("snap");
document.getElementById("camera").addEventListener("click", async () => {
  if (!navigator.mediaDevices?.getUserMedia) { say("This browser gives no camera here (it needs https or localhost).", true); return; }
  try {
    video.srcObject = await navigator.mediaDevices.getUserMedia({ video: true });
    video.hidden = false;
    snap.hidden = false;
  } catch (error) {
    say(`No camera: ${error.message}`, true);
  }
});
snap.addEventListener("click", () => {
  const shot = document.createElement("canvas");
  shot.width = video.videoWidth;
  shot.height = video.videoHeight;
  shot.getContext("2d").drawImage(video, 0, 0);
  shot.toBlob(blob => send(blob), "image/png");
});
