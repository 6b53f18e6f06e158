#include "OpRegistry.h"
namespace autoglm::importer { void registerAttentionConverter(OpRegistry &) {} }
