// The Faces page: send a photo to /api/predict, draw each face's box and expression, and every expression's probability;
// a click on a face (its box or its card) shows its saliency map over it: what drove the answer.
const status = document.getElementById("status");
const canvas = document.getElementById("canvas");
const faces = document.getElementById("faces");

function say(text, error) {
  status.textContent = text;
  status.className = error ? "error" : "";
}

let canExplain = false;
let shown = null; // { image, body, explained: Set of face indices }

fetch("/api/model").then(r => r.json()).then(m => {
  canExplain = m.canExplain;
  document.getElementById("model").textContent =
    `Model: ${m.kind}, ${m.file}, classes ${m.classes.join(", ")}; input ${m.inputSize}x${m.inputSize} grayscale` +
    (m.metrics && m.metrics.test ? `; test accuracy ${m.metrics.test.microAccuracy.toFixed(3)}` : "");
}).catch(() => say("The model information could not be read.", true));

async function send(blob) {
  say("Finding faces…");
  const form = new FormData();
  form.append("image", blob, blob.name || "photo");
  const response = await fetch(canExplain ? "/api/predict?explain=true" : "/api/predict", { method: "POST", body: form });
  const body = await response.json();
  if (!response.ok) { say(body.detail || body.title || `Error ${response.status}`, true); return; }
  const image = await createImageBitmap(blob);
  show(image, body);
}

// OpenCV's "jet" palette, as faces predict --explain draws it: blue (little) through green to red (most).
function jet(v) {
  const channel = c => Math.round(255 * Math.min(1, Math.max(0, 1.5 - Math.abs(4 * v - c))));
  return [channel(3), channel(2), channel(1)];
}

// The face's map (side² values) as a side×side image whose opacity follows the map, to stretch over its box.
function heat(map) {
  const side = Math.round(Math.sqrt(map.length));
  const peak = Math.max(...map);
  const tile = document.createElement("canvas");
  tile.width = tile.height = side;
  const pixels = tile.getContext("2d").createImageData(side, side);
  map.forEach((value, i) => {
    const level = peak > 0 ? value / peak : 0;
    pixels.data.set([...jet(level), Math.round(255 * 0.6 * level)], 4 * i);
  });
  tile.getContext("2d").putImageData(pixels, 0, 0);
  return tile;
}

function draw() {
  const { image, body, explained } = shown;
  canvas.width = image.width;
  canvas.height = image.height;
  const g = canvas.getContext("2d");
  g.drawImage(image, 0, 0);
  const line = Math.max(2, Math.round(Math.min(image.width, image.height) / 200));
  g.lineWidth = line;
  g.font = `${Math.max(14, line * 8)}px system-ui, sans-serif`;
  body.faces.forEach((face, i) => {
    const b = face.box;
    if (explained.has(i) && face.saliency) {
      g.imageSmoothingEnabled = true;
      g.drawImage(heat(face.saliency), b.x, b.y, b.width, b.height);
    }
    g.strokeStyle = "#1c1";
    g.strokeRect(b.x, b.y, b.width, b.height);
    const label = `${i + 1}: ${face.expression} ${(face.probability * 100).toFixed(0)}%`;
    const width = g.measureText(label).width + 8;
    const height = parseInt(g.font) + 6;
    g.fillStyle = "#1c1";
    g.fillRect(b.x, Math.max(0, b.y - height), width, height);
    g.fillStyle = "#000";
    g.fillText(label, b.x + 4, Math.max(height - 6, b.y - 6));
  });
  faces.querySelectorAll(".face").forEach((item, i) => item.classList.toggle("explained", explained.has(i)));
}

function toggle(i) {
  if (!shown || !shown.body.faces[i] || !shown.body.faces[i].saliency) return;
  if (shown.explained.has(i)) shown.explained.delete(i); else shown.explained.add(i);
  draw();
}

function show(image, body) {
  shown = { image, body, explained: new Set() };
  faces.replaceChildren();
  body.faces.forEach((face, i) => {
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
    if (face.saliency) {
      item.title = "Click to show what drove this answer";
      item.addEventListener("click", () => toggle(i));
    }
    faces.appendChild(item);
  });
  draw();
  document.getElementById("result").hidden = false;
  say(body.faces.length === 0 ? "No face found in this photo." :
      `${body.faces.length} face(s) in ${body.timing.totalMs.toFixed(0)} ms.` +
      (body.faces.some(f => f.saliency) ? " Click a face to see what drove its answer." : ""));
}

canvas.addEventListener("click", e => {
  if (!shown) return;
  const r = canvas.getBoundingClientRect();
  const x = (e.clientX - r.left) * canvas.width / r.width, y = (e.clientY - r.top) * canvas.height / r.height;
  const i = shown.body.faces.findIndex(f => x >= f.box.x && x < f.box.x + f.box.width && y >= f.box.y && y < f.box.y + f.box.height);
  if (i >= 0) toggle(i);
});

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

// Live mode: camera frames go to /api/live over a WebSocket; each answer's boxes are drawn over the video. At most two
// frames wait for an answer (the server keeps only the newest waiting one anyway), so a slow server is never flooded.
const liveButton = document.getElementById("live");
const liveVideo = document.getElementById("live-video");
const overlay = document.getElementById("overlay");
const liveStatus = document.getElementById("live-status");
let live = null; // { socket, stream, timer, sent: Map frame → time sent, count, answers: times of recent answers }

function drawLive(answer) {
  overlay.width = answer.width;
  overlay.height = answer.height;
  const g = overlay.getContext("2d");
  g.clearRect(0, 0, overlay.width, overlay.height);
  const line = Math.max(2, Math.round(Math.min(answer.width, answer.height) / 200));
  g.lineWidth = line;
  g.font = `${Math.max(14, line * 8)}px system-ui, sans-serif`;
  for (const face of answer.faces) {
    const b = face.box;
    g.strokeStyle = "#1c1";
    g.strokeRect(b.x, b.y, b.width, b.height);
    const label = `${face.expression} ${(face.probability * 100).toFixed(0)}%`;
    const height = parseInt(g.font) + 6;
    g.fillStyle = "#1c1";
    g.fillRect(b.x, Math.max(0, b.y - height), g.measureText(label).width + 8, height);
    g.fillStyle = "#000";
    g.fillText(label, b.x + 4, Math.max(height - 6, b.y - 6));
  }
  overlay.dataset.boxes = String(answer.faces.length);
}

function onAnswer(event) {
  const answer = JSON.parse(event.data);
  const now = performance.now();
  const sentAt = live.sent.get(answer.frame);
  // Frames older than the one answered were dropped by the server: nothing will come for them.
  for (const frame of [...live.sent.keys()]) if (frame <= answer.frame) live.sent.delete(frame);
  if (answer.error) { liveStatus.textContent = `Frame ${answer.frame}: ${answer.error}`; return; }
  drawLive(answer);
  live.answers.push(now);
  while (live.answers.length && live.answers[0] < now - 2000) live.answers.shift();
  const faces = answer.faces.map(f => `${f.expression} ${(f.probability * 100).toFixed(0)}%`).join(", ") || "no face";
  liveStatus.textContent = `${faces} · ${(live.answers.length / 2).toFixed(1)} frames/s · ${(now - sentAt).toFixed(0)} ms`;
}

function sendFrame() {
  if (!live || live.socket.readyState !== WebSocket.OPEN || live.sent.size >= 2 || !liveVideo.videoWidth) return;
  const frame = ++live.count;
  const shot = document.createElement("canvas");
  shot.width = liveVideo.videoWidth;
  shot.height = liveVideo.videoHeight;
  shot.getContext("2d").drawImage(liveVideo, 0, 0);
  live.sent.set(frame, performance.now());
  shot.toBlob(blob => blob.arrayBuffer().then(bytes => { if (live && live.socket.readyState === WebSocket.OPEN) live.socket.send(bytes); }), "image/jpeg", 0.85);
}

function stopLive(message) {
  if (!live) return;
  clearInterval(live.timer);
  live.stream.getTracks().forEach(t => t.stop());
  if (live.socket.readyState <= WebSocket.OPEN) live.socket.close();
  live = null;
  liveButton.textContent = "live camera";
  if (message) liveStatus.textContent = message;
}

liveButton.addEventListener("click", async () => {
  if (live) { stopLive("Stopped."); return; }
  if (!navigator.mediaDevices?.getUserMedia) { say("This browser gives no camera here (it needs https or localhost).", true); return; }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
  } catch (error) {
    say(`No camera: ${error.message}`, true);
    return;
  }
  liveVideo.srcObject = stream;
  document.getElementById("live-section").hidden = false;
  const socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/live`);
  socket.binaryType = "arraybuffer";
  live = { socket, stream, timer: 0, sent: new Map(), count: 0, answers: [] };
  liveButton.textContent = "stop live";
  liveStatus.textContent = "Connecting…";
  socket.addEventListener("message", onAnswer);
  socket.addEventListener("close", e => stopLive(e.reason ? `The server closed the stream: ${e.reason}` : "The stream ended."));
  // Up to 15 frames a second are offered; sendFrame skips while two wait for an answer.
  socket.addEventListener("open", () => { if (live) live.timer = setInterval(sendFrame, 1000 / 15); });
});
