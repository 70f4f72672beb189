using Mkcdrec.Formats.Cpio;

namespace Mkcdrec.Core.Rescue;

/// <summary>
/// The file tree of the rescue system before it is written as cpio: directories, files (from the host or made
/// here), symbolic links and device nodes. Paths are made canonical against the links already in the tree, so
/// nothing is ever put "under" a directory link (/lib → usr/lib puts /lib/modules at /usr/lib/modules).
/// The first entry for a path wins; later ones are ignored.
/// </summary>
public sealed class RescueImageTree
{
    public abstract record Node(uint Mode);

    public sealed record DirectoryNode(uint Mode) : Node(Mode);

    /// <summary>A file copied from the host at <paramref name="Source"/>.</summary>
    public sealed record HostFileNode(string Source, uint Mode) : Node(Mode);

    public sealed record DataNode(byte[] Data, uint Mode) : Node(Mode);

    public sealed record LinkNode(string Target) : Node(0x1FF);

    public sealed record CharDeviceNode(uint Major, uint Minor, uint Mode) : Node(Mode);

    private const int MaxHops = 40;
    private readonly SortedDictionary<string, Node> _nodes = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, Node> Nodes => _nodes;

    public bool Contains(string path) => _nodes.ContainsKey(Canonical(path));

    public Node? Get(string path) => _nodes.GetValueOrDefault(Canonical(path));

    /// <summary>The path with every directory link of the tree in its parent components resolved (the last component is kept).</summary>
    public string Canonical(string path)
    {
        var parts = Split(path);
        var hops = 0;
        var i = 0;
        var cur = new List<string>();
        while (i < parts.Count)
        {
            var part = parts[i];
            if (part == "..")
            {
                if (cur.Count > 0)
                {
                    cur.RemoveAt(cur.Count - 1);
                }

                i++;
                continue;
            }

            cur.Add(part);
            var last = i == parts.Count - 1;
            if (!last && _nodes.TryGetValue(Join(cur), out var n) && n is LinkNode link)
            {
                if (++hops > MaxHops)
                {
                    throw new InvalidOperationException($"Too many symbolic links resolving '{path}' in the rescue tree.");
                }

                cur.RemoveAt(cur.Count - 1);
                var target = Split(link.Target.StartsWith('/') ? link.Target : Join(cur) + "/" + link.Target);
                parts = target.Concat(parts.Skip(i + 1)).ToList();
                cur.Clear();
                i = 0;
                continue;
            }

            i++;
        }

        return Join(cur);
    }

    public bool AddDirectory(string path, uint mode = 0x1ED) => Add(path, new DirectoryNode(mode));

    public bool AddHostFile(string path, string source, uint mode) => Add(path, new HostFileNode(source, mode));

    public bool AddData(string path, byte[] data, uint mode = 0x1A4) => Add(path, new DataNode(data, mode));

    public bool AddText(string path, string text, uint mode = 0x1A4) => AddData(path, System.Text.Encoding.UTF8.GetBytes(text), mode);

    public bool AddLink(string path, string target) => Add(path, new LinkNode(target));

    public bool AddCharDevice(string path, uint major, uint minor, uint mode) => Add(path, new CharDeviceNode(major, minor, mode));

    private bool Add(string path, Node node)
    {
        var p = Canonical(path);
        if (p == "/")
        {
            return false;
        }

        if (_nodes.ContainsKey(p))
        {
            return false;
        }

        EnsureParents(p);
        _nodes[p] = node;
        return true;
    }

    private void EnsureParents(string path)
    {
        var parent = path[..path.LastIndexOf('/')];
        if (parent.Length == 0 || _nodes.ContainsKey(parent))
        {
            return;
        }

        EnsureParents(parent);
        _nodes[parent] = new DirectoryNode(0x1ED);
    }

    /// <summary>Writes every entry, parents before children, with <paramref name="mtime"/> on all of them.</summary>
    /// <param name="open">Opens a host file for reading.</param>
    /// <returns>The number of bytes of file data written.</returns>
    public long WriteTo(CpioWriter writer, Func<string, Stream> open, long mtime)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(open);
        long bytes = 0;
        foreach (var (path, node) in _nodes)
        {
            var name = path.TrimStart('/');
            var a = new CpioAttributes(node.Mode, 0, 0, mtime);
            switch (node)
            {
                case DirectoryNode:
                    writer.AddDirectory(name, a);
                    break;
                case LinkNode l:
                    writer.AddSymlink(name, l.Target, a);
                    break;
                case DataNode d:
                    writer.AddFile(name, d.Data, a);
                    bytes += d.Data.Length;
                    break;
                case CharDeviceNode c:
                    writer.AddCharacterDevice(name, c.Major, c.Minor, a);
                    break;
                case HostFileNode h:
                    using (var s = open(h.Source))
                    {
                        writer.AddFile(name, s, s.Length, a);
                        bytes += s.Length;
                    }

                    break;
            }
        }

        return bytes;
    }

    private static List<string> Split(string path) =>
        path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToList();

    private static string Join(List<string> parts) => "/" + string.Join('/', parts);
}
