# The Faces benchmark peer: OpenCV's own Haar cascade search from Python (Debian's python3-opencv), the same cascade
# file and settings as `faces benchmark detect`. Arguments: photo cascade scale_factor min_neighbors min_size repeats.
# Prints: median seconds per detection (equalizeHist + detectMultiScale on the grayscale photo), faces found, threads, version.
import sys, time
import cv2
photo, cascade_file = sys.argv[1], sys.argv[2]
scale, neighbours, min_size, repeats = float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
cascade = cv2.CascadeClassifier(cascade_file)
gray = cv2.imread(photo, cv2.IMREAD_GRAYSCALE)
times, found = [], 0
for _ in range(repeats + 1):
    start = time.perf_counter()
    faces = cascade.detectMultiScale(cv2.equalizeHist(gray), scaleFactor=scale, minNeighbors=neighbours, minSize=(min_size, min_size))
    times.append(time.perf_counter() - start)
    found = len(faces)
times = sorted(times[1:])
print(f"{times[len(times) // 2]} {found} {cv2.getNumThreads()} {cv2.__version__}")
