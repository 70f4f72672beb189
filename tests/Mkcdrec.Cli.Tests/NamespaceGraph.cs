using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Mkcdrec.Cli.Tests;

/// <summary>
/// Which namespace of an assembly uses which other namespace of the same assembly, read from its IL: base types,
/// interfaces, fields, signatures, attributes, locals and every token in the method bodies. A compiler-generated
/// nested type (lambda closures, iterators) counts as its outermost declaring type's namespace.
/// </summary>
internal sealed class NamespaceGraph
{
    private static readonly Dictionary<short, OperandType> OperandTypes = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value, o => o.OperandType);

    private readonly MetadataReader _md;
    private readonly PEReader _pe;
    private readonly NamespaceCollector _collector;

    public Dictionary<string, HashSet<string>> Edges { get; } = new(StringComparer.Ordinal);

    private NamespaceGraph(PEReader pe)
    {
        _pe = pe;
        _md = pe.GetMetadataReader();
        _collector = new NamespaceCollector(_md);
    }

    public static NamespaceGraph Of(string assemblyPath)
    {
        using var pe = new PEReader(File.OpenRead(assemblyPath));
        var g = new NamespaceGraph(pe);
        g.Build();
        return g;
    }

    private void Build()
    {
        foreach (var h in _md.TypeDefinitions)
        {
            var from = _collector.NamespaceOf(h);
            if (from.Length == 0)
            {
                continue;
            }

            var used = new HashSet<string>(StringComparer.Ordinal);
            CollectType(h, used);
            used.Remove(from);
            used.Remove("");
            if (!Edges.TryGetValue(from, out var set))
            {
                Edges[from] = set = new HashSet<string>(StringComparer.Ordinal);
            }

            set.UnionWith(used);
        }
    }

    private void CollectType(TypeDefinitionHandle h, HashSet<string> used)
    {
        var t = _md.GetTypeDefinition(h);
        _collector.AddEntity(t.BaseType, used);
        foreach (var i in t.GetInterfaceImplementations())
        {
            _collector.AddEntity(_md.GetInterfaceImplementation(i).Interface, used);
        }

        AddAttributes(t.GetCustomAttributes(), used);
        foreach (var f in t.GetFields())
        {
            var field = _md.GetFieldDefinition(f);
            _collector.AddSignature(field.Signature, used);
            AddAttributes(field.GetCustomAttributes(), used);
        }

        foreach (var p in t.GetProperties())
        {
            _collector.AddSignature(_md.GetPropertyDefinition(p).Signature, used);
        }

        foreach (var m in t.GetMethods())
        {
            var method = _md.GetMethodDefinition(m);
            _collector.AddSignature(method.Signature, used);
            AddAttributes(method.GetCustomAttributes(), used);
            if (method.RelativeVirtualAddress != 0)
            {
                CollectBody(_pe.GetMethodBody(method.RelativeVirtualAddress), used);
            }
        }
    }

    private void AddAttributes(CustomAttributeHandleCollection attributes, HashSet<string> used)
    {
        foreach (var a in attributes)
        {
            _collector.AddEntity(_md.GetCustomAttribute(a).Constructor, used);
        }
    }

    private void CollectBody(MethodBodyBlock body, HashSet<string> used)
    {
        if (!body.LocalSignature.IsNil)
        {
            _collector.AddSignature(_md.GetStandaloneSignature(body.LocalSignature).Signature, used);
        }

        foreach (var region in body.ExceptionRegions)
        {
            _collector.AddEntity(region.CatchType, used);
        }

        var il = body.GetILReader();
        while (il.RemainingBytes > 0)
        {
            short code = il.ReadByte();
            if (code == 0xFE)
            {
                code = unchecked((short)(0xFE00 | il.ReadByte()));
            }

            switch (OperandTypes[code])
            {
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType or OperandType.InlineSig:
                    _collector.AddEntity(MetadataTokens.EntityHandle(il.ReadInt32()), used);
                    break;
                case OperandType.InlineSwitch:
                    var targets = il.ReadInt32();
                    il.Offset += 4 * targets;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    il.Offset += 8;
                    break;
                case OperandType.InlineBrTarget or OperandType.InlineI or OperandType.InlineString or OperandType.ShortInlineR:
                    il.Offset += 4;
                    break;
                case OperandType.InlineVar:
                    il.Offset += 2;
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    il.Offset += 1;
                    break;
            }
        }
    }

    /// <summary>The shortest path from <paramref name="from"/> back to itself, or null when it is on no cycle.</summary>
    public List<string>? CycleThrough(string from)
    {
        var previous = new Dictionary<string, string>(StringComparer.Ordinal);
        var queue = new Queue<string>([from]);
        while (queue.Count > 0)
        {
            var n = queue.Dequeue();
            foreach (var next in Edges.GetValueOrDefault(n, []).Order(StringComparer.Ordinal))
            {
                if (next == from)
                {
                    var path = new List<string> { n, from };
                    for (var at = n; at != from; at = previous[at])
                    {
                        path.Insert(0, previous[at]);
                    }

                    return path;
                }

                if (previous.TryAdd(next, n))
                {
                    queue.Enqueue(next);
                }
            }
        }

        return null;
    }
}

/// <summary>Adds the namespaces of the assembly's own types an entity or a signature names.</summary>
internal sealed class NamespaceCollector(MetadataReader md) : ISignatureTypeProvider<string, object?>
{
    private HashSet<string> _into = [];

    public string NamespaceOf(TypeDefinitionHandle h)
    {
        var t = md.GetTypeDefinition(h);
        while (t.IsNested)
        {
            t = md.GetTypeDefinition(t.GetDeclaringType());
        }

        return md.GetString(t.Namespace);
    }

    public void AddSignature(BlobHandle signature, HashSet<string> used)
    {
        var decoder = new SignatureDecoder<string, object?>(this, md, null);
        var blob = md.GetBlobReader(signature);
        var header = blob.ReadSignatureHeader();
        blob.Reset();
        _into = used;
        switch (header.Kind)
        {
            case SignatureKind.Field:
                decoder.DecodeFieldSignature(ref blob);
                break;
            case SignatureKind.Property or SignatureKind.Method:
                decoder.DecodeMethodSignature(ref blob);
                break;
            case SignatureKind.LocalVariables:
                decoder.DecodeLocalSignature(ref blob);
                break;
            case SignatureKind.MethodSpecification:
                decoder.DecodeMethodSpecificationSignature(ref blob);
                break;
        }
    }

    public void AddEntity(EntityHandle h, HashSet<string> used)
    {
        if (h.IsNil)
        {
            return;
        }

        _into = used;
        switch (h.Kind)
        {
            case HandleKind.TypeDefinition:
                used.Add(NamespaceOf((TypeDefinitionHandle)h));
                break;
            case HandleKind.TypeSpecification:
                AddTypeSpec((TypeSpecificationHandle)h, used);
                break;
            case HandleKind.MethodDefinition:
                used.Add(NamespaceOf(md.GetMethodDefinition((MethodDefinitionHandle)h).GetDeclaringType()));
                break;
            case HandleKind.FieldDefinition:
                used.Add(NamespaceOf(md.GetFieldDefinition((FieldDefinitionHandle)h).GetDeclaringType()));
                break;
            case HandleKind.MemberReference:
                var member = md.GetMemberReference((MemberReferenceHandle)h);
                AddEntity(member.Parent, used);
                AddSignature(member.Signature, used);
                break;
            case HandleKind.MethodSpecification:
                var spec = md.GetMethodSpecification((MethodSpecificationHandle)h);
                AddEntity(spec.Method, used);
                AddSignature(spec.Signature, used);
                break;
            case HandleKind.StandaloneSignature:
                AddSignature(md.GetStandaloneSignature((StandaloneSignatureHandle)h).Signature, used);
                break;
        }
    }

    private void AddTypeSpec(TypeSpecificationHandle h, HashSet<string> used)
    {
        var blob = md.GetBlobReader(md.GetTypeSpecification(h).Signature);
        _into = used;
        new SignatureDecoder<string, object?>(this, md, null).DecodeType(ref blob);
    }

    public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
    {
        _into.Add(NamespaceOf(handle));
        return "";
    }

    public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => "";

    public string GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind)
    {
        AddTypeSpec(handle, _into);
        return "";
    }

    public string GetPrimitiveType(PrimitiveTypeCode typeCode) => "";

    public string GetSZArrayType(string elementType) => "";

    public string GetArrayType(string elementType, ArrayShape shape) => "";

    public string GetByReferenceType(string elementType) => "";

    public string GetPointerType(string elementType) => "";

    public string GetPinnedType(string elementType) => "";

    public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => "";

    public string GetGenericMethodParameter(object? genericContext, int index) => "";

    public string GetGenericTypeParameter(object? genericContext, int index) => "";

    public string GetFunctionPointerType(MethodSignature<string> signature) => "";

    public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => "";
}
