"""The statements of build_model() and of the block functions, as code fragments."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from generator.analysis.arithmetic import (
    PARAM,
    ExpressionError,
    is_expression,
    parameters_in,
    parse,
)
from generator.analysis.calls import join_ref, spec_outputs
from generator.analysis.catalog import CATALOG
from generator.analysis.expand import checked_expression
from generator.analysis.expressions import ComputeType, TensorExpression, bound_names
from generator.analysis.graph import Graph
from generator.analysis.layers.base import LayerType, nested_args
from generator.analysis.name_template import parse_template
from generator.codegen.code import (
    Code,
    InternalError,
    call,
    formatted,
    fragment,
    identifier,
    list_of,
    literal,
    prose,
    shape_comment,
)
from generator.codegen.layout import Layout, assignment
from generator.codegen.object_code import object_code
from generator.codegen.variables import Variables, readable
from generator.records import record
from generator.spec.model import BlockSpec, LayerSpec, Spec, Style

ValueCode = Callable[[Any], Code]
Vocabularies = dict[tuple[Any, ...], Code]  # a vocabulary -> its module constant


@record
class BlockFunction:
    """One `def block(x, ..., *, name):` in the script."""

    name: Code
    parameters: Code
    docstring: Code
    lines: tuple[Code, ...]
    output: Code


def block_functions(spec: Spec, graph: Graph, style: Style, layout: Layout) -> list[BlockFunction]:
    """A function per block, in the order the spec defines them."""
    return [
        _block_function(spec, graph, style, layout, name, block)
        for name, block in spec.blocks.items()
    ]


def block_function_name(spec: Spec, block: str) -> Code:
    """`tower` for a block's function; `build_encoder` for a model block's."""
    return identifier(f"build_{block}" if spec.blocks[block].model else block)


def model_variables(spec: Spec) -> Variables:
    """The variables of build_model(): one per input and top-level layer, by Keras name.

    A call of a model block that returns several layers is the model object itself; each of
    its outputs (`encoder:z_mean`) gets a variable named after the block layer it returns.
    """
    variables = Variables(taken=[block_function_name(spec, name) for name in spec.blocks])
    variables.add([item.name for item in spec.inputs], fallback="input")
    variables.add([layer.name for layer in spec.layers])
    _output_variables(variables, spec.layers, spec.blocks)
    return variables


def _output_variables(
    variables: Variables, layers: Sequence[LayerSpec], blocks: Mapping[str, BlockSpec]
) -> None:
    """A variable for each output of the layers that have several, after every layer's own."""
    for name, outputs in spec_outputs(layers, blocks).items():
        if len(outputs) > 1 and _is_block_call(layers, name):
            for output in outputs:
                variables.add_as(join_ref(name, output), output)
        elif len(outputs) > 1:
            variables.outputs(name, outputs)


def _is_block_call(layers: Sequence[LayerSpec], name: str) -> bool:
    """Whether `name` calls a block, itself or through the layer it shares."""
    layer = next(item for item in layers if item.name == name)
    source = next((item for item in layers if item.name == layer.share), layer)
    return source.block is not None


def _targets(variables: Variables, name: str, outputs: Sequence[str]) -> Code:
    """`encoder, encoder_state_h, encoder_state_c`: one variable per output."""
    if len(outputs) == 1:
        return variables[name]
    return Code(", ".join(variables[join_ref(name, output)] for output in outputs))


def _comment(graph: Graph, name: str, outputs: Sequence[str]) -> Code:
    """The shape of each output: a layer's own, or the layers a model block call returns."""
    node = graph.layer(name)
    if len(node.output_names) > 1:
        return shape_comment(node.output_shapes[0], *node.output_shapes[1:])
    if len(outputs) > 1:
        first, *more = [graph.layer(join_ref(name, output)).shape for output in outputs]
        return shape_comment(first, *more)
    return shape_comment(node.shape)


def call_keywords(
    layer_type: LayerType, call: Mapping[str, Any] | None, tensor: Callable[[str], Code]
) -> dict[str, Code]:
    """The call's keyword arguments as code, in catalog order; false flags (Keras's
    default) left out."""
    keywords: dict[str, Code] = {}
    given = call or {}
    for key in layer_type.calls:
        value = given.get(key)
        if value is None or value is False:
            continue
        if value is True:
            keywords[key] = literal(True)
        elif isinstance(value, str):
            keywords[key] = tensor(value)
        else:
            keywords[key] = list_of(tensor(ref) for ref in value)
    return keywords


def applied(layer_type: LayerType, inputs: Sequence[Code], keywords: Mapping[str, Code]) -> Code:
    """What a layer object is called on: `(x)`, `([a, b])`, `(query, value)`, plus keywords."""
    if layer_type.is_merge or layer_type.list_inputs:
        parts = [list_of(inputs)]
    elif layer_type.takes is not None:
        parts = list(inputs)
    else:
        parts = [inputs[0]]
    parts += [Code(f"{key}={fragment(value)}") for key, value in keywords.items()]
    return Code(", ".join(parts))


def vocabulary_constants(spec: Spec, graph: Graph, variables: Variables) -> Vocabularies:
    """A module constant for each vocabulary of build_model()'s lookups, named after the
    input it looks up (`SOIL_TYPE_VOCABULARY`): the lookups and the synthetic data share it."""
    constants: Vocabularies = {}
    for layer in spec.layers:
        if layer.type not in CATALOG or layer.block is not None or layer.compute is not None:
            continue
        vocabulary = graph.layer(layer.name).args.get("vocabulary")
        if isinstance(vocabulary, list) and tuple(vocabulary) not in constants:
            source = variables[graph.spec_inputs[layer.name][0]]
            wanted = readable(f"{str(source).strip('_')}_vocabulary".upper())
            constants[tuple(vocabulary)] = variables.take(wanted)
    return constants


def constant_lines(constants: Vocabularies) -> list[Code]:
    """`NAME = (...)` for each module constant."""
    return [Code(f"{name} = {literal(values)}") for values, name in constants.items()]


def model_lines(
    spec: Spec,
    graph: Graph,
    style: Style,
    layout: Layout,
    variables: Variables,
    vocabularies: Vocabularies,
) -> list[Code]:
    """The statements of build_model() between the inputs and the return."""
    shared = {layer.share for layer in spec.layers if layer.share is not None}
    objects: dict[str, Code] = {}  # shared layer or block instance -> its object variable
    lines: list[Code] = []
    outputs = spec_outputs(spec.layers, spec.blocks)
    for layer in spec.layers:
        inputs = [variables[ref] for ref in graph.spec_inputs[layer.name]]
        node = graph.layer(layer.name)
        comment: Code | None = _comment(graph, layer.name, outputs[layer.name])
        target = _targets(variables, layer.name, outputs[layer.name])
        called = spec.blocks.get(layer.block or "")
        if called is not None and called.model:
            if len(outputs[layer.name]) > 1:  # its outputs have variables of their own
                model = variables[layer.name]
            else:
                model = variables.take(f"{variables[layer.name]}_model")
            objects[layer.name] = model
            keywords = {**_block_arguments(layer), "name": literal(layer.name)}
            builder = block_function_name(spec, layer.block or "")
            lines += assignment(model, builder, [], keywords, None, layout)
            lines += assignment(target, model, [_tensors(inputs)], {}, comment, layout)
        elif layer.share is not None and layer.block is None and node.origin.chain == ():
            keywords = call_keywords(node.layer_type, layer.call, variables.__getitem__)
            on = applied(node.layer_type, inputs, keywords)
            lines += assignment(target, objects[layer.share], [on], {}, comment, layout)
        elif layer.share is not None:
            lines += assignment(
                target, objects[layer.share], [_tensors(inputs)], {}, comment, layout
            )
        elif layer.compute is not None:
            lines += _computed(graph, layer, variables, target, comment, layout)
        elif layer.block is not None and layer.name in shared:
            lines += _tower(spec, graph, layer, variables, objects)
            lines += assignment(
                target, objects[layer.name], [_tensors(inputs)], {}, comment, layout
            )
        elif layer.block is not None:
            keywords = _block_arguments(layer)
            if takes_name(spec.blocks[layer.block]):
                keywords["name"] = literal(layer.name)
            lines += assignment(target, identifier(layer.block), inputs, keywords, comment, layout)
        else:
            layer_type = CATALOG[layer.type or ""]
            args = graph.layer(layer.name).args
            value_code = _vocabulary(args, vocabularies)
            if layer.name in shared:
                variable = variables.take(f"{variables[layer.name]}_layer")
                objects[layer.name] = variable
                positional, keywords = constructor_args(layer_type, args, value_code)
                keywords["name"] = literal(layer.name)
                function = f"layers.{layer_type.name}"
                lines += assignment(variable, function, positional, keywords, None, layout)
                on = applied(
                    layer_type, inputs, call_keywords(layer_type, layer.call, variables.__getitem__)
                )
                lines += assignment(target, variable, [on], {}, comment, layout)
            else:
                tensors = list_of(inputs)
                if layer_type.is_merge and not layout.fits(f"    {tensors}"):
                    # Black would dangle `...)(` over a list too long for one line: name it
                    # (in both styles, which then differ in the merge call alone).
                    listed = variables.take(f"{str(target).rstrip('_')}_inputs")
                    lines.append(Code(f"{listed} = {tensors}"))
                    inputs = [listed]
                lines += layer_statement(
                    target,
                    layer_type,
                    args,
                    literal(layer.name),
                    inputs,
                    style,
                    comment,
                    layout,
                    value_code,
                    listed=len(inputs) == 1 and layer_type.is_merge,
                    call=call_keywords(layer_type, layer.call, variables.__getitem__),
                )
    return lines


def _vocabulary(args: Mapping[str, Any], vocabularies: Vocabularies) -> ValueCode:
    """Literals, but the layer's vocabulary as its module constant."""
    vocabulary = args.get("vocabulary")
    if not isinstance(vocabulary, list):
        return literal
    constant = vocabularies[tuple(vocabulary)]

    def value_code(value: Any) -> Code:
        return constant if value is vocabulary else literal(value)

    return value_code


def _computed(
    graph: Graph,
    layer: LayerSpec,
    variables: Variables,
    target: Code,
    comment: Code | None,
    layout: Layout,
) -> list[Code]:
    """`target = keras.ops.abs(left - right)`: the expression rebuilt from its checked tree."""
    layer_type = graph.layer(layer.name).layer_type
    if not isinstance(layer_type, ComputeType) or layer_type.expression is None:
        raise InternalError(f"compute layer {layer.name!r} has no checked expression")
    refs = graph.spec_inputs[layer.name]
    return expression_lines(layer_type.expression, layer, refs, variables, target, comment, layout)


def expression_lines(
    expression: TensorExpression,
    layer: LayerSpec,
    refs: Sequence[str],
    variables: Variables,
    target: Code,
    comment: Code | None,
    layout: Layout,
) -> list[Code]:
    """`target = <expression>`, its local names written as the scope's variables (and a
    block's `$param` as the block function's parameter)."""
    bound = bound_names(layer.inputs) or [(refs[0], refs[0])]
    tensors = {local: variables[ref] for local, ref in bound}
    code = expression.python(tensors.__getitem__, literal, identifier)
    line = Code(f"{target} = {code}")
    if comment is None or not layout.shape_comments:
        return [line]
    if layout.fits(f"{line}  {comment}"):
        return [Code(f"{line}  {comment}")]
    return [comment, line]


def layer_statement(
    target: Code,
    layer_type: LayerType,
    args: Mapping[str, Any],
    name: Code,
    inputs: Sequence[Code],
    style: Style,
    comment: Code | None,
    layout: Layout,
    value_code: ValueCode = literal,
    listed: bool = False,
    call: Mapping[str, Code] | None = None,
) -> list[Code]:
    """`x = layers.Dense(...)(y)  # shape`, or `layers.concatenate([...], ...)`.

    `listed`: the one input of a merge is a variable holding the list of its tensors.
    """
    positional, keywords = constructor_args(layer_type, args, value_code)
    keywords["name"] = name
    if layer_type.is_merge and style == "function":
        function = f"layers.{layer_type.merge_function}"
        tensors = inputs[0] if listed else list_of(inputs)
        return assignment(target, function, [tensors, *positional], keywords, comment, layout)
    applied_to = inputs[0] if listed else applied(layer_type, inputs, call or {})
    function = f"layers.{layer_type.name}"
    return assignment(target, function, positional, keywords, comment, layout, applied_to)


def constructor_args(
    layer_type: LayerType, args: Mapping[str, Any], value_code: ValueCode
) -> tuple[list[Code], dict[str, Code]]:
    """Positional and keyword argument code, in catalog order; Keras's defaults left out."""
    positional: list[Code] = []
    keywords: dict[str, Code] = {}
    positional_open = True
    for arg_name, arg in layer_type.args.items():
        if arg_name not in args or arg.is_default(args[arg_name]):
            positional_open = positional_open and not arg.positional
            continue
        value = args[arg_name]
        if arg.wraps:
            code = _nested_layer(value, value_code)
        elif arg.kind.family is not None:
            code = object_code(arg.kind.family, value, value_code)
        else:
            code = value_code(value)
        if arg.positional and positional_open:
            positional.append(code)
        else:
            positional_open = False
            keywords[arg_name] = code
    return positional, keywords


def _nested_layer(layer: Mapping[str, Any], value_code: ValueCode) -> Code:
    """`layers.LSTM(16, return_sequences=True)` inside a wrapper such as Bidirectional."""
    layer_type = CATALOG[layer["type"]]
    positional, keywords = constructor_args(layer_type, nested_args(layer), value_code)
    if "name" in layer:  # its Keras name: Bidirectional makes forward_<name>, backward_<name>
        keywords["name"] = literal(layer["name"])
    return call(f"layers.{layer_type.name}", positional, keywords)


def _param_or_literal(value: Any) -> Code:
    """Inside a block: "$filters" is the parameter `filters`; anything else a literal."""
    if isinstance(value, str):
        found = PARAM.match(value)
        if found:
            return identifier(found.group(1))
        if is_expression(value):
            return _arithmetic(value)
    if isinstance(value, list):
        items = [_param_or_literal(item) for item in value]
        return Code(f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})")
    return literal(value)


def _arithmetic(text: str) -> Code:
    """An expression rebuilt from its checked tree: names checked, numbers as literals."""
    try:
        expression = parse(text, parameters_in(text))
    except ExpressionError as error:
        raise InternalError(f"unchecked expression reached code generation: {error}") from None
    return Code(expression.python(identifier, literal))


def _tensors(inputs: Sequence[Code]) -> Code:
    return inputs[0] if len(inputs) == 1 else list_of(inputs)


def _block_arguments(layer: LayerSpec) -> dict[str, Code]:
    return {key: literal(value) for key, value in layer.arguments.items()}


def _tower(
    spec: Spec, graph: Graph, layer: LayerSpec, variables: Variables, objects: dict[str, Code]
) -> list[Code]:
    """A shared block instance becomes one sub-model, called on every input it is given."""
    block = spec.blocks[layer.block or ""]
    refs = graph.spec_inputs[layer.name]
    lines = []
    tower_inputs = []
    for block_input, ref in zip(block.inputs, refs, strict=True):
        variable = variables.take(f"{variables[layer.name]}_{block_input}")
        shape = graph.shape_of(graph.resolve(ref))[1:]
        input_keywords = {"shape": literal(shape), "name": literal(str(variable))}
        lines.append(Code(f"{variable} = {call('keras.Input', (), input_keywords)}"))
        tower_inputs.append(variable)
    model = variables.take(f"{variables[layer.name]}_model")
    keywords = {**_block_arguments(layer), "name": literal(layer.name)}
    body = call(identifier(layer.block or ""), tower_inputs, keywords)
    inputs_code = _tensors([Code(name) for name in tower_inputs])
    lines.append(Code(f"{model} = keras.Model({inputs_code}, {body}, name={literal(layer.name)})"))
    objects[layer.name] = model
    return lines


def _block_function(
    spec: Spec, graph: Graph, style: Style, layout: Layout, name: str, block: BlockSpec
) -> BlockFunction:
    required = [identifier(param) for param in block.param_names if param not in block.defaults]
    defaults = [
        Code(f"{identifier(param)}={literal(value)}") for param, value in block.defaults.items()
    ]
    parameters = [
        *([] if block.model else [identifier(item) for item in block.inputs]),
        *required,
        *defaults,
        *([Code("*"), Code("name")] if takes_name(block) else []),
    ]
    functions = [block_function_name(spec, other) for other in spec.blocks]
    variables = Variables(taken=[*functions, *block.param_names])
    variables.fixed(block.inputs)
    variables.add(inner.name for inner in block.layers)
    _output_variables(variables, block.layers, spec.blocks)
    several = spec_outputs(block.layers, spec.blocks)
    lines = _model_inputs(spec, graph, name, block) if block.model else []
    for inner in block.layers:
        inputs = [variables[ref] for ref in graph.block_inputs[name][inner.name]]
        target = _targets(variables, inner.name, several[inner.name])
        keras_name = literal(inner.name) if block.model else _prefixed_name(inner.name)
        if inner.keras_name is not None:
            keras_name = _templated_name(inner.keras_name, block)
        comment = _block_comment(graph, name, inner.name)
        if inner.compute is not None:
            refs = graph.block_inputs[name][inner.name]
            expression = _block_expression(inner, refs, block)
            lines += expression_lines(expression, inner, refs, variables, target, comment, layout)
        elif inner.block is not None:
            keywords = {key: _param_or_literal(value) for key, value in inner.arguments.items()}
            if takes_name(spec.blocks[inner.block]):
                keywords["name"] = keras_name
            function = block_function_name(spec, inner.block)
            lines += assignment(target, function, inputs, keywords, comment, layout)
        else:
            layer_type = CATALOG[inner.type or ""]
            args = {key: inner.arguments[key] for key in layer_type.args if key in inner.arguments}
            lines += layer_statement(
                target,
                layer_type,
                args,
                keras_name,
                inputs,
                style,
                comment,
                layout,
                _param_or_literal,
                call=call_keywords(layer_type, inner.call, variables.__getitem__),
            )
    description = prose(block.description) or f"The {name} block."
    wrapped = textwrap.wrap(description, width=80, break_long_words=False, break_on_hyphens=False)
    if len(wrapped) == 1 and not layout.fits(f'"""{description}"""'):
        # Too long for one line with its quotes, and black would join a one-line body back.
        wrapped = textwrap.wrap(description, width=len(description) // 2 + 8)
    docstring = wrapped[0] if len(wrapped) == 1 else "\n    ".join([*wrapped, ""])
    outputs = [variables[output] for output in block.output_names]
    output = outputs[0] if len(outputs) == 1 else list_of(outputs)
    if block.model:
        model_inputs = _tensors([identifier(item) for item in block.inputs])
        output = Code(f"keras.Model({model_inputs}, {output}, name=name)")
    return BlockFunction(
        name=block_function_name(spec, name),
        parameters=Code(", ".join(parameters)),
        docstring=Code(f'"""{docstring}"""'),
        lines=tuple(lines),
        output=output,
    )


def takes_name(block: BlockSpec) -> bool:
    """Whether the block function takes the call's name: not where every layer it makes has a
    keras_name template (expressions make no layer)."""
    return block.model or any(
        inner.compute is None and inner.keras_name is None for inner in block.layers
    )


def _model_inputs(spec: Spec, graph: Graph, name: str, block: BlockSpec) -> list[Code]:
    """A model block's `keras.Input`s, shaped as its calls feed it (the same in every call)."""
    first = next(layer for layer in spec.layers if layer.block == name)
    dtypes = {item.name: item.dtype for item in graph.inputs}
    lines = []
    for block_input, ref in zip(block.inputs, graph.spec_inputs[first.name], strict=True):
        keywords = {"shape": literal(graph.shape_of(graph.resolve(ref))[1:])}
        if dtypes.get(ref, "float32") != "float32":
            keywords["dtype"] = literal(dtypes[ref])
        keywords["name"] = literal(block_input)
        lines.append(Code(f"{identifier(block_input)} = {call('keras.Input', (), keywords)}"))
    return lines


def _block_expression(inner: LayerSpec, refs: Sequence[str], block: BlockSpec) -> TensorExpression:
    """A block's compute layer, parsed again as its definition was checked."""
    expression, problems = checked_expression(inner, (*refs, "")[0], (), block.param_names)
    if expression is None:
        raise InternalError(f"unchecked expression reached code generation: {problems}")
    return expression


def _templated_name(text: str, block: BlockSpec) -> Code:
    """`f"activation_{act + 3}"`: a keras_name template, checked again as in expand."""
    try:
        template = parse_template(text, block.param_names)
    except ExpressionError as error:
        raise InternalError(f"unchecked name template reached code generation: {error}") from None
    fields = [Code(e.python(identifier, literal)) for e in template.expressions]
    return formatted(template.texts, fields)


def _prefixed_name(suffix: str) -> Code:
    """`f"{name}_suffix"`: the call's name, then the block layer's; braces in it doubled."""
    text = suffix.replace("{", "{{").replace("}", "}}")
    return Code("f" + repr("{name}_" + text))


def _block_comment(graph: Graph, block: str, layer: str) -> Code | None:
    """The output shapes of a block's layer over all its calls; `*` where the calls differ."""
    nodes = [
        node
        for node in graph.layers
        if node.origin.block == block and node.origin.block_layer == layer
    ]
    if not nodes:
        return None
    several = len(nodes[0].output_names) > 1
    per_output = zip(
        *(node.output_shapes if several else (node.shape,) for node in nodes), strict=True
    )
    merged = [_merged(shapes) for shapes in per_output]
    if any(shape is None for shape in merged):
        return None
    first, *more = [shape for shape in merged if shape is not None]
    return shape_comment(first, *more)


def _merged(shapes: Sequence[tuple[int | None, ...]]) -> tuple[Any, ...] | None:
    """One shape for all calls, `*` where they differ; None when nothing is in common."""
    if len({len(shape) for shape in shapes}) != 1:
        return None
    merged: list[Any] = []
    for dims in zip(*shapes, strict=True):
        merged.append(dims[0] if len(set(dims)) == 1 else "*")
    if all(dim == "*" for dim in merged[1:]):
        return None  # nothing in common between the calls worth a comment
    return tuple(merged)
