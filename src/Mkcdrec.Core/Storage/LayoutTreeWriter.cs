using System.Globalization;
using System.Text;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage;

/// <summary>A device in `layout show`'s tree: its id, the indent of its line, and whether the walk drew it before.</summary>
public sealed record LayoutTreeNode(string Id, string Indent, bool SeenBefore);

/// <summary>
/// The text of `layout show` as the technologies draw it: the walk hands each device to the technologies in registry
/// order until one draws it (<see cref="IStorageTechnology.DrawTreeNode"/>), and that one walks on to what the device holds.
/// </summary>
public sealed class LayoutTreeWriter
{
    private readonly StringBuilder _text = new();
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly IReadOnlyList<IStorageTechnology> _technologies;

    public LayoutTreeWriter(LayoutDocument document, IReadOnlyList<IStorageTechnology> technologies)
    {
        Document = document;
        _technologies = technologies;
    }

    public LayoutDocument Document { get; }

    /// <summary>Adds one line, formatted without the machine's culture.</summary>
    public void Line(FormattableString line) => _text.AppendLine(line.ToString(CultureInfo.InvariantCulture));

    /// <summary>True the first time an id is visited (a device under several parents is drawn in full once).</summary>
    public bool FirstVisit(string id) => _seen.Add(id);

    /// <summary>Draws the device <paramref name="id"/> and what it holds; an id no technology knows is drawn as it is.</summary>
    public void Children(string id, string indent)
    {
        var node = new LayoutTreeNode(id, indent, !FirstVisit(id));
        if (!_technologies.Any(t => t.DrawTreeNode(this, node)))
        {
            Line($"{indent}→ {id}");
        }
    }

    /// <summary>The family that makes filesystems of <paramref name="type"/>, or null when none does.</summary>
    public IFilesystemFamily? FilesystemFamily(string type) =>
        _technologies.OfType<IFilesystemFamily>().FirstOrDefault(f => f.Types.Contains(type, StringComparer.Ordinal));

    public override string ToString() => _text.ToString();

    /// <summary>A size as the tree shows it: three significant digits ("512 MiB", "19.5 GiB", "1000 B").</summary>
    public static string Size(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        double v = bytes;
        var i = 0;
        while (v >= 1024 && i < units.Length - 1)
        {
            v /= 1024;
            i++;
        }

        return i == 0 ? $"{bytes} B" : v.ToString(v >= 100 ? "0" : "0.0", CultureInfo.InvariantCulture) + " " + units[i];
    }
}
