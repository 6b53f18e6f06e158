#include "OpRegistry.h"
namespace autoglm::importer { void registerQuantizationConverters(OpRegistry &) {} }
