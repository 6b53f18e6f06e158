//===- GraphImporter.cpp - an ONNX ModelProto to a func.func --------------===//

#include "GraphImporter.h"

#include "NodeContext.h"
#include "OpRegistry.h"
#include "Subgraph.h"
#include "TensorConversion.h"

#include "autoglm/Dialect/AutoGLM.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "onnx/defs/schema.h"
#include "onnx/onnx_pb.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <set>

using namespace mlir;

namespace autoglm::importer {
namespace {
bool isDefaultDomain(StringRef domain) {
  return domain.empty() || domain == "ai.onnx";
}

/// The name of node `index` of `graph`: its own, or "<OpType>_<index>";
/// within a subgraph, prefixed by the enclosing node's ("loop/Add_3").
std::string nodeName(const onnx::GraphProto &graph, int index,
                     StringRef scope) {
  const onnx::NodeProto &node = graph.node(index);
  std::string name = node.name().empty()
                         ? node.op_type() + "_" + std::to_string(index)
                         : node.name();
  return scope.empty() ? name : (scope + "/" + name).str();
}

/// Calls `fn` on every subgraph attribute of `node` (If's branches, Loop's
/// and Scan's body).
void forEachSubgraph(const onnx::NodeProto &node,
                     function_ref<void(const onnx::GraphProto &)> fn) {
  for (const onnx::AttributeProto &attr : node.attribute()) {
    if (attr.has_g())
      fn(attr.g());
    for (const onnx::GraphProto &graph : attr.graphs())
      fn(graph);
  }
}

/// Adds to `names` what the subgraphs of `node` read from enclosing graphs:
/// the names they use, at any depth, and do not define themselves. A node
/// with subgraphs depends on their producers as on its listed inputs.
void collectCapturedNames(const onnx::NodeProto &node,
                          llvm::StringSet<> &names) {
  forEachSubgraph(node, [&](const onnx::GraphProto &graph) {
    llvm::StringSet<> defined, used;
    for (const onnx::ValueInfoProto &input : graph.input())
      defined.insert(input.name());
    for (const onnx::TensorProto &init : graph.initializer())
      defined.insert(init.name());
    for (const onnx::NodeProto &inner : graph.node()) {
      for (const std::string &output : inner.output())
        defined.insert(output);
      for (const std::string &input : inner.input())
        if (!input.empty())
          used.insert(input);
      collectCapturedNames(inner, used);
    }
    // An output may be an outer value passed straight through.
    for (const onnx::ValueInfoProto &output : graph.output())
      used.insert(output.name());
    for (const auto &entry : used)
      if (!defined.contains(entry.getKey()))
        names.insert(entry.getKey());
  });
}

/// Binds initializer `tensor` to a constant located at `loc`.
LogicalResult importInitializer(ImportState &state, onnx::TensorProto &tensor,
                                Location loc) {
  ElementsAttr value = state.tensors.convert(tensor, loc);
  if (!value)
    return failure();
  state.values[tensor.name()] = mlir::autoglm::ConstantOp::create(
      state.builder, loc, value.getType(), value);
  if (std::optional<KnownInts> known = knownFromAttr(value))
    state.known[tensor.name()] = std::move(*known);
  return success();
}

/// Orders the nodes of `graph` topologically into `order`. `own` holds the
/// graph's inputs and initializers, which no node may redefine; `isOuter`
/// says whether a name is visible from an enclosing graph (never, for the
/// main graph). A node reads its inputs and its subgraphs' captures.
LogicalResult orderNodes(MLIRContext *context, const onnx::GraphProto &graph,
                         StringRef scope, const llvm::StringSet<> &own,
                         function_ref<bool(StringRef)> isOuter,
                         std::vector<int> &order) {
  int numNodes = graph.node_size();
  auto nameOf = [&](int i) { return nodeName(graph, i, scope); };
  auto locOf = [&](int i) {
    return NameLoc::get(StringAttr::get(context, nameOf(i)));
  };
  llvm::StringMap<int> producer;
  for (int i = 0; i < numNodes; ++i)
    for (const std::string &output : graph.node(i).output()) {
      if (output.empty())
        continue;
      if (own.contains(output))
        return emitError(locOf(i))
               << "output '" << output
               << "' redefines a graph input or initializer of the same name";
      auto [it, inserted] = producer.try_emplace(output, i);
      if (!inserted)
        return emitError(locOf(i))
               << "output '" << output << "' is already produced by node '"
               << nameOf(it->second) << "'";
    }

  // What each node reads: its inputs, then its subgraphs' captures.
  std::vector<std::vector<std::string>> reads(numNodes);
  std::vector<size_t> numListed(numNodes);
  for (int i = 0; i < numNodes; ++i) {
    const onnx::NodeProto &node = graph.node(i);
    for (const std::string &input : node.input())
      if (!input.empty())
        reads[i].push_back(input);
    numListed[i] = reads[i].size();
    llvm::StringSet<> captured;
    collectCapturedNames(node, captured);
    for (const auto &entry : captured)
      reads[i].push_back(entry.getKey().str());
    // In a fixed order, for reproducible diagnostics.
    std::sort(reads[i].begin() + numListed[i], reads[i].end());
  }

  // Kahn's algorithm; among ready nodes the earliest in the file goes first,
  // so an already ordered graph keeps its order.
  std::vector<int> pending(numNodes, 0);
  std::vector<std::vector<int>> users(numNodes);
  bool dangling = false;
  for (int i = 0; i < numNodes; ++i)
    for (auto [k, input] : llvm::enumerate(reads[i])) {
      if (own.contains(input))
        continue;
      auto it = producer.find(input);
      if (it == producer.end()) {
        if (isOuter(input))
          continue;
        emitError(locOf(i))
            << graph.node(i).op_type()
            << (k < numListed[i] ? ": input '" : ": a subgraph reads '")
            << input << (k < numListed[i] ? "' is" : "', which is")
            << " not produced by any node and is neither a graph input nor "
               "an initializer";
        dangling = true;
        continue;
      }
      ++pending[i];
      users[it->second].push_back(i);
    }
  if (dangling)
    return failure();

  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (int i = 0; i < numNodes; ++i)
    if (pending[i] == 0)
      ready.push(i);
  while (!ready.empty()) {
    int i = ready.top();
    ready.pop();
    order.push_back(i);
    for (int user : users[i])
      if (--pending[user] == 0)
        ready.push(user);
  }
  if (static_cast<int>(order.size()) == numNodes)
    return success();

  // Some nodes wait on each other: walk back along unfinished producers from
  // any of them until a node repeats; that node lies on a cycle.
  int current = 0;
  while (pending[current] == 0)
    ++current;
  std::vector<bool> seen(numNodes, false);
  while (!seen[current]) {
    seen[current] = true;
    for (const std::string &input : reads[current]) {
      auto it = producer.find(input);
      if (!own.contains(input) && it != producer.end() &&
          pending[it->second] > 0) {
        current = it->second;
        break;
      }
    }
  }
  return emitError(locOf(current))
         << "the graph has a cycle through node '" << nameOf(current) << "' ("
         << graph.node(current).op_type() << ")";
}

/// Converts the nodes of `graph` in `order` through the registry (which
/// knows each of them: `checkOperators` has looked into every subgraph).
LogicalResult convertNodes(ImportState &state, const onnx::GraphProto &graph,
                           StringRef scope, ArrayRef<int> order) {
  const OpRegistry &registry = OpRegistry::get();
  for (int index : order) {
    const onnx::NodeProto &node = graph.node(index);
    Location loc = NameLoc::get(
        StringAttr::get(state.context, nodeName(graph, index, scope)));
    NodeContext nodeContext(state, node, loc);
    ConvertFn convert = registry.lookup(node.domain(), node.op_type());
    assert(convert && "unsupported operators are reported before import");
    if (failed(convert(nodeContext)))
      return failure();
    for (int i = 0; i < node.output_size(); ++i)
      if (!node.output(i).empty() && !state.values.count(node.output(i)))
        return nodeContext.emitError()
               << "output " << i << " ('" << node.output(i)
               << "') is not supported";
  }
  return success();
}

/// Imports one model. Holds what the phases share.
class GraphImporter {
public:
  GraphImporter(onnx::ModelProto &model, StringRef path, MLIRContext &context,
                const ImportOptions &options)
      : model(model), graph(*model.mutable_graph()), path(path),
        context(context), options(options),
        fileLoc(FileLineColLoc::get(&context, path, 0, 0)) {}

  OwningOpRef<ModuleOp> run();

private:
  LogicalResult readOpsets();
  /// The name and location of node `index` of the main graph.
  std::string nodeName(int index) const;
  Location nodeLoc(int index) const;
  LogicalResult checkOperators();
  LogicalResult orderNodes();
  void collectDeclaredTypes(ImportState &state);
  LogicalResult importInputs(ImportState &state, func::FuncOp func);
  /// The `--input-value` of graph input `input`: its TensorProto file
  /// converted, checked against the declared type. Null after a diagnostic.
  ElementsAttr readInputValue(ImportState &state,
                              const onnx::ValueInfoProto &input,
                              StringRef file);
  LogicalResult importInitializers(ImportState &state);
  LogicalResult importNodes(ImportState &state);
  LogicalResult importOutputs(ImportState &state, func::FuncOp func);

  onnx::ModelProto &model;
  onnx::GraphProto &graph;
  StringRef path;
  MLIRContext &context;
  const ImportOptions &options;
  Location fileLoc;

  int64_t opset = 0;
  llvm::StringMap<int64_t> domainOpsets;
  llvm::StringSet<> initializerNames;
  /// Node indices in a topological order.
  std::vector<int> order;
};

LogicalResult GraphImporter::readOpsets() {
  bool hasDefault = false;
  for (const onnx::OperatorSetIdProto &entry : model.opset_import()) {
    if (isDefaultDomain(entry.domain())) {
      opset = entry.version();
      hasDefault = true;
    } else {
      domainOpsets[entry.domain()] = entry.version();
    }
  }
  if (!hasDefault)
    return emitError(fileLoc)
           << "the model imports no opset of the default ONNX "
              "domain (opset_import has no \"\" entry)";
  if (opset < kMinSupportedOpset) {
    // An older model imports when each operator it uses is the same version
    // at its opset as at the oldest supported one (e.g. Not, unchanged since
    // opset 1): the converters then see the semantics they know.
    for (int i = 0; i < graph.node_size(); ++i) {
      const onnx::NodeProto &node = graph.node(i);
      if (!isDefaultDomain(node.domain()))
        continue;
      const onnx::OpSchema *old =
          onnx::OpSchemaRegistry::Schema(node.op_type(), opset, "");
      const onnx::OpSchema *supported = onnx::OpSchemaRegistry::Schema(
          node.op_type(), kMinSupportedOpset, "");
      if (old && supported &&
          old->since_version() == supported->since_version())
        continue;
      return emitError(fileLoc)
             << "the model uses opset " << opset
             << " of the default domain; the oldest supported is "
             << kMinSupportedOpset << " (older models import when every "
             << "operator is the same version as at opset "
             << kMinSupportedOpset << ", but '" << node.op_type()
             << "' of node '" << nodeName(i) << "' is not)";
    }
  }
  if (opset > kMaxSupportedOpset)
    return emitError(fileLoc)
           << "the model uses opset " << opset
           << " of the default domain; the newest supported is "
           << kMaxSupportedOpset;
  return success();
}

std::string GraphImporter::nodeName(int index) const {
  return importer::nodeName(graph, index, /*scope=*/"");
}

Location GraphImporter::nodeLoc(int index) const {
  return NameLoc::get(StringAttr::get(&context, nodeName(index)));
}

LogicalResult GraphImporter::checkOperators() {
  // One diagnostic per distinct unsupported (domain, op type), naming the
  // first node that uses it, subgraphs included; all of them before failing.
  const OpRegistry &registry = OpRegistry::get();
  std::set<std::pair<std::string, std::string>> reported;
  struct Use {
    const onnx::NodeProto *node;
    std::string name;
  };
  std::vector<Use> unsupported; // first users, in graph order
  std::function<void(const onnx::GraphProto &, StringRef)> visit =
      [&](const onnx::GraphProto &g, StringRef scope) {
        for (int i = 0; i < g.node_size(); ++i) {
          const onnx::NodeProto &node = g.node(i);
          std::string name = importer::nodeName(g, i, scope);
          bool known = registry.lookup(node.domain(), node.op_type());
          if (!known && reported.insert({node.domain(), node.op_type()}).second)
            unsupported.push_back({&node, name});
          forEachSubgraph(
              node, [&](const onnx::GraphProto &sub) { visit(sub, name); });
        }
      };
  visit(graph, "");
  for (const Use &use : unsupported) {
    const std::string &domain = use.node->domain();
    const std::string &opType = use.node->op_type();
    InFlightDiagnostic diag =
        emitError(NameLoc::get(StringAttr::get(&context, use.name)));
    if (isDefaultDomain(domain)) {
      diag << "unsupported operator '" << opType << "' (domain ai.onnx, opset "
           << opset << ")";
    } else {
      diag << "unsupported operator '" << opType << "' of domain '" << domain
           << "'";
      auto it = domainOpsets.find(domain);
      if (it != domainOpsets.end())
        diag << " (opset " << it->second << ")";
      diag << "; of the other domains only ai.onnx.preview's FlexAttention "
              "is supported";
    }
    diag << ", first used by node '" << use.name << "'";
  }
  return success(unsupported.empty());
}

LogicalResult GraphImporter::orderNodes() {
  llvm::StringSet<> own;
  for (const onnx::ValueInfoProto &input : graph.input())
    own.insert(input.name());
  for (const onnx::TensorProto &init : graph.initializer())
    own.insert(init.name());
  return importer::orderNodes(
      &context, graph, /*scope=*/"", own, [](StringRef) { return false; },
      order);
}

/// The declared type of a value_info entry, or null when it is not a
/// ranked tensor of a supported element type (such entries are ignored).
static RankedTensorType declaredType(const onnx::ValueInfoProto &info,
                                     MLIRContext *context) {
  if (!info.type().has_tensor_type() || !info.type().tensor_type().has_shape())
    return nullptr;
  Type element =
      convertElementType(info.type().tensor_type().elem_type(), context);
  if (!element)
    return nullptr;
  SmallVector<int64_t> shape;
  for (const auto &dim : info.type().tensor_type().shape().dim())
    shape.push_back(dim.has_dim_value() && dim.dim_value() >= 0
                        ? dim.dim_value()
                        : ShapedType::kDynamic);
  return RankedTensorType::get(shape, element);
}

void GraphImporter::collectDeclaredTypes(ImportState &state) {
  for (const onnx::ValueInfoProto &info : graph.value_info())
    if (RankedTensorType type = declaredType(info, &context))
      state.declaredTypes[info.name()] = type;
  for (const onnx::ValueInfoProto &info : graph.output())
    if (RankedTensorType type = declaredType(info, &context))
      state.declaredTypes[info.name()] = type;
}

ElementsAttr GraphImporter::readInputValue(ImportState &state,
                                           const onnx::ValueInfoProto &input,
                                           StringRef file) {
  Location loc = NameLoc::get(StringAttr::get(&context, input.name()));
  auto bufferOr = llvm::MemoryBuffer::getFile(file, /*IsText=*/false,
                                              /*RequiresNullTerminator=*/false);
  if (std::error_code error = bufferOr.getError()) {
    emitError(loc) << "--input-value for '" << input.name()
                   << "': cannot open '" << file << "': " << error.message();
    return nullptr;
  }
  onnx::TensorProto tensor;
  // Protobuf parses many byte strings as some message; a tensor without a
  // data type is not one that was written as a TensorProto.
  if (!tensor.ParseFromArray((*bufferOr)->getBufferStart(),
                             static_cast<int>((*bufferOr)->getBufferSize())) ||
      tensor.data_type() == onnx::TensorProto::UNDEFINED) {
    emitError(loc) << "--input-value for '" << input.name() << "': '" << file
                   << "' is not a binary ONNX TensorProto";
    return nullptr;
  }
  RankedTensorType declared = convertTensorType(
      input.type(), &context, loc, "graph input '" + input.name() + "'");
  if (!declared)
    return nullptr;
  ElementsAttr value = state.tensors.convert(tensor, loc);
  if (!value)
    return nullptr;
  // The value replaces the input: it must be one the model accepts.
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getElementType() != declared.getElementType() ||
      !mlir::autoglm::areCompatibleTypes(type, declared)) {
    auto describe = [](int32_t onnxType, ArrayRef<int64_t> shape) {
      std::string text = onnxTypeName(onnxType) + " [";
      for (auto [i, dim] : llvm::enumerate(shape))
        text += (i ? ", " : "") +
                (ShapedType::isDynamic(dim) ? "?" : std::to_string(dim));
      return text + "]";
    };
    emitError(loc) << "--input-value for '" << input.name() << "' holds "
                   << describe(tensor.data_type(), type.getShape())
                   << " but the model declares "
                   << describe(input.type().tensor_type().elem_type(),
                               declared.getShape());
    return nullptr;
  }
  return value;
}

LogicalResult GraphImporter::importInputs(ImportState &state,
                                          func::FuncOp func) {
  llvm::StringMap<const std::vector<int64_t> *> overrides;
  for (const auto &[name, shape] : options.inputShapes)
    overrides[name] = &shape;
  llvm::StringMap<StringRef> valueFiles;
  for (const auto &[name, file] : options.inputValues) {
    if (overrides.count(name))
      return emitError(fileLoc)
             << "'" << name << "' has both --input-shape and --input-value";
    valueFiles[name] = file;
  }

  SmallVector<Type> types;
  SmallVector<std::string> names;
  SmallVector<std::pair<std::string, ElementsAttr>> specialized;
  for (const onnx::ValueInfoProto &input : graph.input()) {
    if (initializerNames.contains(input.name()))
      continue; // an initializer listed as input (IR < 4): a constant
    Location loc = NameLoc::get(StringAttr::get(&context, input.name()));
    auto valueFile = valueFiles.find(input.name());
    if (valueFile != valueFiles.end()) {
      ElementsAttr value = readInputValue(state, input, valueFile->second);
      if (!value)
        return failure();
      specialized.emplace_back(input.name(), value);
      valueFiles.erase(valueFile);
      continue;
    }
    auto override = overrides.find(input.name());
    RankedTensorType type;
    if (override != overrides.end()) {
      const std::vector<int64_t> &shape = *override->second;
      const auto &tensorType = input.type().tensor_type();
      Type element = convertElementType(tensorType.elem_type(), &context);
      if (!input.type().has_tensor_type() || !element)
        return emitError(loc)
               << "graph input '" << input.name()
               << "' is not a tensor of a supported element type";
      if (tensorType.has_shape() &&
          tensorType.shape().dim_size() != static_cast<int>(shape.size()))
        return emitError(loc)
               << "--input-shape for '" << input.name() << "' has rank "
               << shape.size() << " but the model declares rank "
               << tensorType.shape().dim_size();
      if (tensorType.has_shape())
        for (auto [i, dim] : llvm::enumerate(tensorType.shape().dim()))
          if (dim.has_dim_value() && dim.dim_value() >= 0 &&
              !ShapedType::isDynamic(shape[i]) && dim.dim_value() != shape[i])
            return emitError(loc)
                   << "--input-shape for '" << input.name()
                   << "' gives dimension " << i << " as " << shape[i]
                   << " but the model fixes it to " << dim.dim_value();
      type = RankedTensorType::get(shape, element);
      overrides.erase(override);
    } else {
      type = convertTensorType(input.type(), &context, loc,
                               "graph input '" + input.name() + "'");
      if (!type)
        return failure();
    }
    types.push_back(type);
    names.push_back(input.name());
  }
  for (const auto &entry : overrides)
    return emitError(fileLoc) << "--input-shape names '" << entry.getKey()
                              << "', which is not a graph input of the model";
  for (const auto &entry : valueFiles)
    return emitError(fileLoc) << "--input-value names '" << entry.getKey()
                              << "', which is not a graph input of the model";

  Block *body = func.addEntryBlock();
  for (auto [type, name] : llvm::zip(types, names))
    body->addArgument(type, NameLoc::get(StringAttr::get(&context, name)));
  func.setFunctionType(FunctionType::get(&context, types, {}));
  StringAttr onnxName =
      mlir::autoglm::AutoGLMDialect::OnnxNameAttrHelper(&context).getName();
  for (auto [i, name] : llvm::enumerate(names)) {
    func.setArgAttr(i, onnxName, StringAttr::get(&context, name));
    state.values[name] = body->getArgument(i);
  }
  state.builder.setInsertionPointToEnd(body);
  for (auto &[name, value] : specialized) {
    Location loc = NameLoc::get(StringAttr::get(&context, name));
    state.values[name] = mlir::autoglm::ConstantOp::create(
        state.builder, loc, value.getType(), value);
    if (std::optional<KnownInts> known = knownFromAttr(value))
      state.known[name] = std::move(*known);
  }
  return success();
}

LogicalResult GraphImporter::importInitializers(ImportState &state) {
  if (graph.sparse_initializer_size() > 0)
    return emitError(fileLoc) << "sparse initializers are not supported";
  for (onnx::TensorProto &tensor : *graph.mutable_initializer())
    if (failed(importInitializer(
            state, tensor,
            NameLoc::get(StringAttr::get(&context, tensor.name())))))
      return failure();
  return success();
}

LogicalResult GraphImporter::importNodes(ImportState &state) {
  return convertNodes(state, graph, /*scope=*/"", order);
}

LogicalResult GraphImporter::importOutputs(ImportState &state,
                                           func::FuncOp func) {
  SmallVector<Value> results;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    Value value = state.values.lookup(output.name());
    Location loc = NameLoc::get(StringAttr::get(&context, output.name()));
    if (!value)
      return emitError(loc) << "graph output '" << output.name()
                            << "' is not produced by any node";
    if (output.type().has_tensor_type() &&
        output.type().tensor_type().elem_type()) {
      Type declared =
          convertElementType(output.type().tensor_type().elem_type(), &context);
      Type actual = getElementTypeOrSelf(value.getType());
      // A quantized value is returned in its storage form by design.
      if (declared && declared != actual && !isa<quant::QuantizedType>(actual))
        return emitError(loc)
               << "graph output '" << output.name() << "' is declared as "
               << declared << " but computes " << actual;
    }
    // A declared shape that contradicts the computed one means the model (or
    // a converter) is wrong; never return a silently different shape.
    RankedTensorType declaredType = state.declaredTypes.lookup(output.name());
    auto actualType = dyn_cast<RankedTensorType>(value.getType());
    if (declaredType && actualType &&
        declaredType.getElementType() == actualType.getElementType() &&
        !mlir::autoglm::areCompatibleTypes(actualType, declaredType))
      return emitError(loc)
             << "graph output '" << output.name() << "' is declared as "
             << declaredType << " but computes " << actualType;
    results.push_back(value);
  }
  func::ReturnOp::create(state.builder, func.getLoc(), results);
  func.setFunctionType(FunctionType::get(&context, func.getArgumentTypes(),
                                         ValueRange(results).getTypes()));
  StringAttr onnxName =
      mlir::autoglm::AutoGLMDialect::OnnxNameAttrHelper(&context).getName();
  for (auto [i, output] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, onnxName, StringAttr::get(&context, output.name()));
  return success();
}

/// Shape arithmetic evaluated at import time leaves its inputs (and
/// initializers only shape code used) without users; drop them.
static void eraseDeadOps(func::FuncOp func) {
  Block &body = func.getBody().front();
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(body)))
    if (isOpTriviallyDead(&op))
      op.erase();
}

OwningOpRef<ModuleOp> GraphImporter::run() {
  if (failed(readOpsets()) || failed(checkOperators()) || failed(orderNodes()))
    return nullptr;

  for (const onnx::TensorProto &init : graph.initializer())
    initializerNames.insert(init.name());

  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  Builder builder(&context);
  (*module)->setAttr("autoglm.opset", builder.getI64IntegerAttr(opset));

  SmallString<256> modelDir(path);
  llvm::sys::path::remove_filename(modelDir);
  if (modelDir.empty())
    modelDir = ".";
  TensorConverter tensors(&context, std::string(modelDir));
  ImportState state(&context, tensors, opset);
  state.runtimeControlFlow = options.runtimeControlFlow;
  collectDeclaredTypes(state);

  OpBuilder moduleBuilder = OpBuilder::atBlockEnd(module->getBody());
  std::string graphName = graph.name().empty() ? "main" : graph.name();
  auto func = func::FuncOp::create(
      moduleBuilder, NameLoc::get(builder.getStringAttr(graphName)), "main",
      builder.getFunctionType({}, {}));
  if (failed(importInputs(state, func)) || failed(importInitializers(state)) ||
      failed(importNodes(state)) || failed(importOutputs(state, func)))
    return nullptr;
  eraseDeadOps(func);
  if (failed(mlir::verify(*module)))
    return nullptr;
  if (options.externalDataFiles)
    *options.externalDataFiles = tensors.getExternalFiles();
  return module;
}
} // namespace

FailureOr<SmallVector<ScopedValue>>
importSubgraph(NodeContext &owner, const onnx::GraphProto &graph,
               ArrayRef<ScopedValue> inputs) {
  ImportState &state = owner.state;
  std::string scope = mlir::autoglm::getNodeName(owner.loc).str();
  if (graph.input_size() != static_cast<int>(inputs.size()))
    return owner.emitError()
           << "subgraph '" << graph.name() << "' declares "
           << graph.input_size() << " inputs, but the node gives it "
           << inputs.size();
  if (graph.sparse_initializer_size() > 0)
    return owner.emitError() << "sparse initializers are not supported";

  // The names the subgraph defines hide the enclosing graphs' ones until it
  // is imported; then the outer bindings come back.
  struct Hidden {
    std::string name;
    Value value;
    std::optional<KnownInts> known;
  };
  SmallVector<Hidden> hidden;
  llvm::StringSet<> defined;
  auto define = [&](const std::string &name) {
    if (name.empty() || !defined.insert(name).second)
      return;
    Hidden entry{name, state.values.lookup(name), std::nullopt};
    if (auto it = state.known.find(name); it != state.known.end()) {
      entry.known = std::move(it->second);
      state.known.erase(it);
    }
    state.values.erase(name);
    hidden.push_back(std::move(entry));
  };
  llvm::scope_exit restore([&] {
    for (Hidden &entry : hidden) {
      state.values.erase(entry.name);
      state.known.erase(entry.name);
      if (entry.value)
        state.values[entry.name] = entry.value;
      if (entry.known)
        state.known[entry.name] = std::move(*entry.known);
    }
  });
  llvm::StringSet<> own;
  for (const onnx::ValueInfoProto &input : graph.input()) {
    define(input.name());
    own.insert(input.name());
  }
  for (const onnx::TensorProto &init : graph.initializer()) {
    define(init.name());
    own.insert(init.name());
  }
  for (const onnx::NodeProto &node : graph.node())
    for (const std::string &output : node.output())
      define(output);

  for (auto [info, input] : llvm::zip(graph.input(), inputs)) {
    state.values[info.name()] = input.value;
    if (input.known)
      state.known[info.name()] = *input.known;
  }
  // The converter references an initializer's bytes in place; the model
  // owns them for the whole import.
  for (onnx::TensorProto &tensor :
       *const_cast<onnx::GraphProto &>(graph).mutable_initializer()) {
    if (failed(importInitializer(
            state, tensor,
            NameLoc::get(
                StringAttr::get(state.context, scope + "/" + tensor.name())))))
      return failure();
  }

  std::vector<int> order;
  auto isOuter = [&](StringRef name) { return state.values.count(name) > 0; };
  if (failed(orderNodes(state.context, graph, scope, own, isOuter, order)) ||
      failed(convertNodes(state, graph, scope, order)))
    return failure();

  SmallVector<ScopedValue> outputs;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    Value value = state.values.lookup(output.name());
    if (!value)
      return owner.emitError()
             << "output '" << output.name() << "' of subgraph '" << graph.name()
             << "' is not produced by any node";
    ScopedValue result{value, std::nullopt};
    if (auto it = state.known.find(output.name()); it != state.known.end())
      result.known = it->second;
    outputs.push_back(std::move(result));
  }
  return outputs;
}

OwningOpRef<ModuleOp> importModel(onnx::ModelProto &model, StringRef path,
                                  MLIRContext &context,
                                  const ImportOptions &options) {
  return GraphImporter(model, path, context, options).run();
}
} // namespace autoglm::importer
