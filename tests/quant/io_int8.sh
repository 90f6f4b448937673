#!/usr/bin/env bash
# io_int8.sh -- -io=int8 on the Fashion-MNIST sample: the header holds the
# input's and output's scale and zero point as macros, and a C harness
# (io_int8.c) that feeds it codes quantized with them gets output codes
# within one code of the float-interface INT8 model's logits quantized the
# same way, on 200 images; then the same with the C backend.  The harness
# must also reject a model whose codes are off (a second -io=int8 object
# calibrated on other images, whose scales differ).
#     bash tests/quant/io_int8.sh QCC CC WORKDIR
set -u
qcc=$(realpath "$1")
cc=$2
work=$3
here=$(cd "$(dirname "$0")" && pwd)
model=$here/../../samples/fmnist/model.onnx
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

/usr/bin/python3 "$here/make_calib.py" calib 100 || { echo "FAIL make_calib.py"; exit 1; }
/usr/bin/python3 "$here/make_calib.py" calib2 7 || { echo "FAIL make_calib.py"; exit 1; }
/usr/bin/python3 - <<'PY'
import gzip, numpy as np
raw = gzip.open("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz").read()
x = np.frombuffer(raw, np.uint8, offset=16)[: 200 * 784].astype(np.float32) / np.float32(255)
((x - np.float32(0.2860)) / np.float32(0.3530)).astype("<f4").tofile("test200.bin")
PY
q="-quantize=int8 -calib=calib"
"$qcc" "$model" $q -name=qf -o qf.o || fail "qcc float interface"
"$qcc" "$model" $q -io=int8 -name=qio -o qio.o || fail "qcc -io=int8"
grep -E 'define QIO_(INPUT|OUTPUT)0_(SCALE|ZERO_POINT)' qio.h || fail "no scale macros in qio.h"
"$cc" -std=c11 -O2 -I. "$here/io_int8.c" qf.o qio.o -lm -o io_obj || fail "link"
./io_obj test200.bin 200 || fail "object: codes differ by more than one"

"$qcc" "$model" $q -name=qf -emit=c -o qf_c.c || fail "qcc -emit=c"
"$qcc" "$model" $q -io=int8 -name=qio -emit=c -o qio_c.c || fail "qcc -emit=c -io=int8"
mkdir -p c && cp qf_c.h c/qf.h && cp qio_c.h c/qio.h
"$cc" -std=c11 -O2 -Ic "$here/io_int8.c" qf_c.c qio_c.c -lm -o io_c || fail "link C"
./io_c test200.bin 200 || fail "C backend: codes differ by more than one"

# the harness can fail: other calibration, other scales
"$qcc" "$model" -quantize=int8 -calib=calib2 -io=int8 -name=qio -o qio2.o || fail "qcc calib2"
mkdir -p other && cp qio2.h other/qio.h && cp qf.h other/
"$cc" -std=c11 -O2 -Iother "$here/io_int8.c" qf.o qio2.o -lm -o io_other || fail "link other"
./io_other test200.bin 200 && fail "the harness accepted codes of another calibration"

echo "$fails failures"
[ $fails -eq 0 ]
