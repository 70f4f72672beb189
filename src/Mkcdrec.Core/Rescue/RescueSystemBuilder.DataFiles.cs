using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Rescue;

/// <summary>Data files: what the components name from the host (GRUB's modules, udev rules …) and the terminfo entries.</summary>
public sealed partial class RescueSystemBuilder
{
    /// <summary>The data paths of the components (less what they exclude) and the terminfo entries of the usual consoles.</summary>
    private void AddDataFiles(RescueImageTree tree, List<RescueComponent> components)
    {
        _excluded = components.SelectMany(c => c.ExcludePaths).ToHashSet(StringComparer.Ordinal);
        foreach (var c in components)
        {
            foreach (var d in c.DataPaths)
            {
                AddHostPath(tree, d, depth: 0);
            }
        }

        foreach (var t in Terminfo)
        {
            foreach (var root in new[] { "/lib/terminfo/", "/usr/share/terminfo/" })
            {
                if (files.FileExists(root + t))
                {
                    AddHostPath(tree, root + t, 0);
                }
            }
        }
    }

    /// <summary>Copies a host file, link (and what it points to) or directory (recursively) to the same path.</summary>
    private void AddHostPath(RescueImageTree tree, string path, int depth)
    {
        if (depth > 32 || _excluded.Contains(path))
        {
            return;
        }

        if (files.ReadLink(path) is { } target)
        {
            tree.AddLink(path, target);
            var abs = target.StartsWith('/') ? target : path[..path.LastIndexOf('/')] + "/" + target;
            if (!tree.Contains(abs))
            {
                AddHostPath(tree, abs, depth + 1);
            }

            return;
        }

        if (files.DirectoryExists(path))
        {
            if (Path.GetFileName(path) == "monolithic")
            {
                return; // GRUB's prebuilt monolithic images: large and not used by grub-install
            }

            tree.AddDirectory(path);
            foreach (var n in files.ListDirectory(path))
            {
                AddHostPath(tree, path + "/" + n, depth + 1);
            }

            return;
        }

        if (files.FileExists(path))
        {
            if (path.EndsWith(".module", StringComparison.Ordinal))
            {
                return; // GRUB's unlinked module objects (debug copies of the .mod files)
            }

            tree.AddHostFile(path, path, IsExecutable(path) ? 0x1EDu : 0x1A4u);
        }
    }

    private bool IsExecutable(string path)
    {
        try
        {
            using var s = files.OpenRead(path);
            Span<byte> b = stackalloc byte[4];
            var n = s.Read(b);
            return (n >= 4 && b[0] == 0x7F && b[1] == (byte)'E' && b[2] == (byte)'L' && b[3] == (byte)'F') || (n >= 2 && b[0] == '#' && b[1] == '!');
        }
        catch (IOException)
        {
            return false;
        }
    }
}
