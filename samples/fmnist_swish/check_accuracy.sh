#!/usr/bin/env bash
# check_accuracy.sh -- the accuracy bars of issue 6 on this sample:
#     bash samples/fmnist_swish/check_accuracy.sh QCC OUTDIR
# exits 1 unless qcc's W4A4 is within 1.5 points of FP32 and at least
# 3 points above plain min-max W4A4 (see ablation.sh).
here=$(cd "$(dirname "$0")" && pwd)
exec bash "$here/ablation.sh" "$1" "$2" "$here/model.onnx" check
