#include "OpRegistry.h"
namespace autoglm::importer { void registerDataMovementConverters(OpRegistry &) {} }
