# The Faces benchmark peer: OpenCV's own Haar cascade search from Python (Debian's python3-opencv), the same cascade
# file and settings as `faces benchmark detect`. Arguments: photo cascade scale_factor min_neighbors min_size repeats
# search_side (0: the full photo; otherwise it is first reduced, INTER_AREA, so that its longer side is at most this).
# Prints: median seconds per detection (reduce + equalizeHist + detectMultiScale on the grayscale photo), faces found,
# threads, version.
import sys, time
import cv2
photo, cascade_file = sys.argv[1], sys.argv[2]
scale, neighbours, min_size, repeats = float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
search_side = int(sys.argv[7])
cascade = cv2.CascadeClassifier(cascade_file)
gray = cv2.imread(photo, cv2.IMREAD_GRAYSCALE)
times, found = [], 0
for _ in range(repeats + 1):
    start = time.perf_counter()
    shrink = min(1.0, search_side / max(gray.shape)) if search_side > 0 else 1.0
    searched = cv2.resize(gray, (round(gray.shape[1] * shrink), round(gray.shape[0] * shrink)), interpolation=cv2.INTER_AREA) if shrink < 1 else gray
    faces = cascade.detectMultiScale(cv2.equalizeHist(searched), scaleFactor=scale, minNeighbors=neighbours, minSize=(min_size, min_size))
    times.append(time.perf_counter() - start)
    found = len(faces)
times = sorted(times[1:])
print(f"{times[len(times) // 2]} {found} {cv2.getNumThreads()} {cv2.__version__}")
