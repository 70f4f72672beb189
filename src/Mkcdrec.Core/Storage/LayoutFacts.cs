using System.Globalization;

namespace Mkcdrec.Core.Storage;

/// <summary>One fact of a layout for `layout check`; it "matters" when a recovery from an older medium would differ.</summary>
public sealed record LayoutFact(string Value, bool Matters);

/// <summary>
/// The facts of one layout by key, as every technology adds its own (<see cref="IStorageTechnology.AddLayoutFacts"/>);
/// `layout check` compares two such sets. A null value adds no fact; a later fact of the same key replaces the earlier.
/// </summary>
public sealed class LayoutFacts
{
    public Dictionary<string, LayoutFact> ByKey { get; } = new(StringComparer.Ordinal);

    public void Add(string key, object? value, bool matters = true)
    {
        if (value is null)
        {
            return;
        }

        var text = value switch
        {
            IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        ByKey[key] = new LayoutFact(text, matters);
    }
}
