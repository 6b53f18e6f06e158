#include "OpRegistry.h"
namespace autoglm::importer { void registerShapeConverters(OpRegistry &) {} }
