# Sourced on the GPU machine: the package, cuDNN and NVRTC from PyTorch's wheels.
set -u
mkdir -p /tmp/pkg && tar -xf build-reloc/autoglm-0.1.0-linux-x86_64.tar.xz -C /tmp/pkg
B=$(dirname $(ls -d /tmp/pkg/*/bin | head -1))
export PATH=$B/bin:$PATH
CUDNN_DIR=$(python3 -c 'import nvidia.cudnn as m; print(list(m.__path__)[0])')/lib
NVRTC_DIR=$(python3 -c 'import nvidia.cuda_nvrtc as m; print(list(m.__path__)[0])')/lib
export AUTOGLM_CUDNN=$CUDNN_DIR/libcudnn.so.9
export LD_LIBRARY_PATH=$CUDNN_DIR:$NVRTC_DIR:/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}
echo "package at $B"; nvidia-smi --query-gpu=name,utilization.gpu,memory.used --format=csv
