using System.Collections;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Mkcdrec.Model;

/// <summary>
/// Reading options for the documents that come from outside (a layout, a manifest, a medium.json): a null where the
/// model has no null (a property, or an element of a list) is refused while reading, with the JSON path, instead of
/// reaching code that relies on the model's nullability (fuzzing found `"disks": null` and `"filesystems": [null]`).
/// </summary>
public static class StrictJson
{
    /// <summary>The type info of <typeparamref name="T"/> from <paramref name="context"/>, read strictly.</summary>
    public static JsonTypeInfo<T> For<T>(JsonSerializerContext context)
    {
        var options = new JsonSerializerOptions(context.Options)
        {
            RespectNullableAnnotations = true,
            TypeInfoResolver = context.WithAddedModifier(RejectNullElements).WithAddedModifier(RejectNegativeSizes),
        };
        return (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
    }

    // Nullable annotations do not reach the elements of a list (List<T>'s T); the setter checks them once the list is read.
    private static void RejectNullElements(JsonTypeInfo type)
    {
        foreach (var p in type.Properties)
        {
            if (p.Set is not { } set || !typeof(IList).IsAssignableFrom(p.PropertyType) || ElementMayBeNull(p.PropertyType))
            {
                continue;
            }

            var name = p.Name;
            p.Set = (owner, value) =>
            {
                if (value is IList list)
                {
                    for (var i = 0; i < list.Count; i++)
                    {
                        if (list[i] is null)
                        {
                            throw new JsonException($"'{name}' has null as its element {i}, where an entry is required.");
                        }
                    }
                }

                set(owner, value);
            };
        }
    }

    // Sizes, counts, offsets and sectors are never negative: one that is would reach arithmetic that assumes it is not.
    private static readonly string[] SizeSuffixes = ["Bytes", "Sectors", "Size", "Count", "Blocks", "Lba", "Bits", "KiB", "Iterations"];

    private static void RejectNegativeSizes(JsonTypeInfo type)
    {
        foreach (var p in type.Properties)
        {
            var t = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
            if (p.Set is not { } set || (t != typeof(long) && t != typeof(int)) || !SizeSuffixes.Any(x => p.Name.EndsWith(x, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            var name = p.Name;
            p.Set = (owner, value) =>
            {
                if (value is long and < 0 or int and < 0)
                {
                    throw new JsonException($"'{name}' is {value}; it cannot be negative.");
                }

                set(owner, value);
            };
        }
    }

    // List<T?> of a value type (List<int?>) may hold nulls; the model has none of reference types that may.
    private static bool ElementMayBeNull(Type listType) =>
        listType.IsGenericType && Nullable.GetUnderlyingType(listType.GetGenericArguments()[0]) is not null;
}
