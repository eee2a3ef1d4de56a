/* The COnnx module: protobuf-c's code for zoo's onnx.proto, and zoo's packing helper. */
#include "onnx.pb-c.h"
#include "zoo_pack.h"
