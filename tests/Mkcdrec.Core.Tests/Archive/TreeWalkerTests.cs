using System.Text;
using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Platform;
using Mkcdrec.Platform.Linux;

namespace Mkcdrec.Core.Tests.Archive;

/// <summary>
/// The walk's order and what it leaves out, with its directories listed ahead on another thread (DirectoryPrefetch):
/// a tree wider and deeper than the prefetch's lead, a directory the visitor does not descend into (its listings,
/// already read ahead, are dropped), an excluded name, a socket, all compared with the tree as .NET lists it.
/// </summary>
public sealed class TreeWalkerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("mkcdrec-walker-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Visits_parents_first_in_byte_order_and_drops_what_it_does_not_descend_into()
    {
        for (var a = 0; a < 12; a++)
        {
            for (var b = 0; b < 12; b++)
            {
                var dir = Path.Combine(_root, $"d{a:00}", $"s{b:00}", "deep");
                Directory.CreateDirectory(dir);
                File.WriteAllText(Path.Combine(dir, "f"), "x");
                File.WriteAllText(Path.Combine(_root, $"d{a:00}", $"s{b:00}", "g.tmp"), "excluded");
            }
        }

        // A socket file that outlives its process (as a daemon's does): .NET removes its own on close.
        TreeFixture.Sh($"python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind(\"{_root}/d03/sock\")'");
        Assert.True(File.Exists(Path.Combine(_root, "d03", "sock")));

        var events = new Problems();
        var visitor = new Recorder(refuse: "d05");
        new TreeWalker(new FileSystemAccess(), new Excludes(["*.tmp"]), events) { ListChildrenFirst = true }.Walk(_root, visitor);

        var expected = new List<string> { "" };
        foreach (var path in Directory.EnumerateFileSystemEntries(_root, "*", SearchOption.AllDirectories)
                     .Select(p => Path.GetRelativePath(_root, p))
                     .Where(p => !p.EndsWith(".tmp", StringComparison.Ordinal) && !p.EndsWith("sock", StringComparison.Ordinal) && !p.StartsWith("d05/", StringComparison.Ordinal))
                     .Order(StringComparer.Ordinal))
        {
            expected.Add(path);
        }

        Assert.Equal(expected, visitor.Visited);
        Assert.Equal([("d03/sock", "socket skipped (sockets are recreated by their programs)")], events.Seen);
    }

    private sealed class Recorder(string refuse) : IWalkVisitor
    {
        public List<string> Visited { get; } = [];

        public bool Visit(ReadOnlySpan<byte> fullPath, ReadOnlySpan<byte> relative, in FileStatus status, IReadOnlyList<WalkChild>? children)
        {
            var rel = Encoding.UTF8.GetString(relative);
            Visited.Add(rel);
            return rel != refuse;
        }
    }

    private sealed class Problems : IArchiveEvents
    {
        public List<(string, string)> Seen { get; } = [];

        public void Problem(string path, string message) => Seen.Add((path, message));
    }
}
