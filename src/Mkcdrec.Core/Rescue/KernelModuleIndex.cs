using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Rescue;

/// <summary>The modules a rescue system gets: files in load order (dependencies first), and what was asked for but is not there.</summary>
/// <param name="Modules">Module paths relative to /lib/modules/KVER, every dependency before the module that needs it.</param>
/// <param name="Builtin">Names asked for that are built into the kernel (nothing to copy).</param>
/// <param name="NotFound">Names asked for that are neither a module, an alias nor built in.</param>
public sealed record ModuleClosure(IReadOnlyList<string> Modules, IReadOnlyList<string> Builtin, IReadOnlyList<string> NotFound);

/// <summary>
/// The module indexes of one kernel, read from the text files depmod writes in /lib/modules/KVER: modules.dep
/// (hard dependencies), modules.alias (aliases, with shell wildcards), modules.softdep (pre:/post: soft dependencies)
/// and modules.builtin. Names compare like modprobe compares them: '-' and '_' are the same.
/// </summary>
public sealed class KernelModuleIndex
{
    private readonly Dictionary<string, string> _pathByName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _depsByPath = new(StringComparer.Ordinal);
    private readonly List<(string Pattern, string Module)> _aliases = [];
    private readonly Dictionary<string, List<string>> _softdeps = new(StringComparer.Ordinal);
    private readonly HashSet<string> _builtin = new(StringComparer.Ordinal);

    public KernelModuleIndex(string modulesDep, string? modulesAlias = null, string? modulesSoftdep = null, string? modulesBuiltin = null)
    {
        ArgumentNullException.ThrowIfNull(modulesDep);
        var lineNo = 0;
        foreach (var raw in modulesDep.Split('\n'))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                throw new InvalidDataException($"modules.dep line {lineNo}: no 'module: dependencies' colon in \"{line}\".");
            }

            var path = line[..colon].Trim();
            var deps = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
            _depsByPath[path] = deps;
            _pathByName.TryAdd(NameOf(path), path);
        }

        foreach (var line in Lines(modulesAlias))
        {
            var f = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 3 && f[0] == "alias")
            {
                _aliases.Add((Normalize(f[1]), Normalize(f[2])));
            }
        }

        foreach (var line in Lines(modulesSoftdep))
        {
            // softdep MODULE pre: A B post: C    (also "softdep MODULE A B": plain names count as pre)
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 3 || f[0] != "softdep")
            {
                continue;
            }

            var list = CollectionsMarshalGet(_softdeps, Normalize(f[1]));
            list.AddRange(f.Skip(2).Where(t => t is not "pre:" and not "post:").Select(Normalize));
        }

        foreach (var line in Lines(modulesBuiltin))
        {
            _builtin.Add(NameOf(line));
        }
    }

    /// <summary>Reads the indexes of kernel <paramref name="release"/> under <paramref name="modulesDir"/> (normally /lib/modules/KVER).</summary>
    public static KernelModuleIndex Load(ISystemFiles files, string modulesDir)
    {
        ArgumentNullException.ThrowIfNull(files);
        var dep = files.ReadText(modulesDir + "/modules.dep")
            ?? throw new MkcdrecException(ExitCode.Environment, $"{modulesDir}/modules.dep is missing or unreadable.",
                $"Run 'depmod {Path.GetFileName(modulesDir)}' to create the module index, then try again.");
        return new KernelModuleIndex(dep, files.ReadText(modulesDir + "/modules.alias"), files.ReadText(modulesDir + "/modules.softdep"),
            files.ReadText(modulesDir + "/modules.builtin"));
    }

    public int Count => _depsByPath.Count;

    /// <summary>kernel/fs/ext4/ext4.ko.xz → ext4; names with '-' become '_'.</summary>
    public static string NameOf(string path)
    {
        var name = path[(path.LastIndexOf('/') + 1)..];
        foreach (var ext in new[] { ".xz", ".zst", ".gz" })
        {
            if (name.EndsWith(ext, StringComparison.Ordinal))
            {
                name = name[..^ext.Length];
            }
        }

        if (name.EndsWith(".ko", StringComparison.Ordinal))
        {
            name = name[..^3];
        }

        return Normalize(name);
    }

    public static string Normalize(string name) => name.Replace('-', '_');

    /// <summary>The module file (relative path) for a module name, or null.</summary>
    public string? PathOf(string name) => _pathByName.GetValueOrDefault(Normalize(name));

    /// <summary>
    /// Every module file needed for <paramref name="names"/> (module names or aliases such as "crypto-xts" or "fs-vfat"):
    /// the modules themselves, modules.dep dependencies and soft dependencies, dependencies first.
    /// </summary>
    public ModuleClosure Resolve(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var walk = new ClosureWalk(this);
        foreach (var n in names)
        {
            walk.AddName(n, walk.NotFound);
        }

        return new ModuleClosure(walk.Order, walk.Builtin, walk.NotFound);
    }

    /// <summary>One <see cref="Resolve"/>: the modules in load order so far and what it has visited.</summary>
    private sealed class ClosureWalk(KernelModuleIndex index)
    {
        private readonly HashSet<string> _done = new(StringComparer.Ordinal);
        private readonly HashSet<string> _visitedNames = new(StringComparer.Ordinal);

        public List<string> Order { get; } = [];

        public List<string> Builtin { get; } = [];

        public List<string> NotFound { get; } = [];

        /// <summary>A module file, after its soft dependencies and its modules.dep dependencies.</summary>
        public void AddPath(string path)
        {
            if (_done.Contains(path))
            {
                return;
            }

            _done.Add(path);
            foreach (var sd in index._softdeps.GetValueOrDefault(NameOf(path)) ?? [])
            {
                AddName(sd, null);
            }

            // modules.dep lists the full closure already, deepest last; add them deepest first.
            var deps = index._depsByPath.GetValueOrDefault(path) ?? [];
            for (var i = deps.Count - 1; i >= 0; i--)
            {
                if (index._depsByPath.ContainsKey(deps[i]))
                {
                    AddPath(deps[i]);
                }
            }

            Order.Add(path);
        }

        /// <summary>A module name or alias; names that are neither a module nor built in go to <paramref name="missing"/> (soft dependencies pass null).</summary>
        public void AddName(string raw, List<string>? missing)
        {
            var name = Normalize(raw.Trim());
            if (name.Length == 0 || !_visitedNames.Add(name))
            {
                return;
            }

            if (index._pathByName.TryGetValue(name, out var path))
            {
                AddPath(path);
                return;
            }

            var viaAlias = index._aliases.Where(a => ShellWildcard.Matches(a.Pattern, name)).Select(a => a.Module).Distinct(StringComparer.Ordinal).ToList();
            if (AddAliasTargets(viaAlias))
            {
                return;
            }

            if (index._builtin.Contains(name) || viaAlias.Any(index._builtin.Contains))
            {
                Builtin.Add(name);
                return;
            }

            missing?.Add(name);
        }

        /// <summary>Adds every alias target that is a module file; false when none is.</summary>
        private bool AddAliasTargets(List<string> viaAlias)
        {
            var any = false;
            foreach (var m in viaAlias)
            {
                if (index._pathByName.TryGetValue(m, out var p))
                {
                    AddPath(p);
                    any = true;
                }
            }

            return any;
        }
    }

    private static IEnumerable<string> Lines(string? text) =>
        (text ?? "").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'));

    private static List<string> CollectionsMarshalGet(Dictionary<string, List<string>> d, string key)
    {
        if (!d.TryGetValue(key, out var list))
        {
            d[key] = list = [];
        }

        return list;
    }
}
