//===- BufferizableOpInterfaceImpl.h - autoglm ops on buffers ---*- C++ -*-===//
//
// How the autoglm ops that exist on tensors and on buffers (autoglm.dnn_conv)
// bufferize: one-shot bufferization turns the tensor form into the buffer
// form, writing into the destination's buffer.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_DIALECT_BUFFERIZABLEOPINTERFACEIMPL_H
#define AUTOGLM_DIALECT_BUFFERIZABLEOPINTERFACEIMPL_H

namespace mlir {
class DialectRegistry;
namespace autoglm {
void registerBufferizableOpInterfaceExternalModels(DialectRegistry &registry);
} // namespace autoglm
} // namespace mlir

#endif // AUTOGLM_DIALECT_BUFFERIZABLEOPINTERFACEIMPL_H
