using Mkcdrec.Core.Platform;
using Mkcdrec.Formats.Elf;

namespace Mkcdrec.Core.Rescue;

/// <summary>A shared library the closure found: the DT_NEEDED name, the path the loader opens, and the file behind it.</summary>
/// <param name="Name">The DT_NEEDED string (or the PT_INTERP path for the interpreter).</param>
/// <param name="Path">The path the dynamic loader opens (what <c>ldd</c> prints after "=>").</param>
/// <param name="RealPath">Path with every symbolic link resolved: the regular file to copy.</param>
/// <param name="NeededBy">The path of the object whose DT_NEEDED (or PT_INTERP) first asked for it.</param>
public sealed record ResolvedLibrary(string Name, string Path, string RealPath, string NeededBy);

/// <summary>A DT_NEEDED library (or interpreter, or program) that could not be found.</summary>
public sealed record MissingLibrary(string Name, string NeededBy, string Reason);

public sealed record LibraryClosureResult
{
    /// <summary>Every regular file to copy into the rescue image: programs, libraries, interpreters (real paths, sorted).</summary>
    public required IReadOnlyList<string> Files { get; init; }

    /// <summary>
    /// Every symbolic link met on the way from a path the loader opens to its file, including directory links
    /// such as /lib → usr/lib: link path → target exactly as stored in the link. Recreate them all.
    /// </summary>
    public required IReadOnlyDictionary<string, string> Symlinks { get; init; }

    public required IReadOnlyList<ResolvedLibrary> Libraries { get; init; }

    public required IReadOnlyList<MissingLibrary> Missing { get; init; }

    /// <summary>Programs that are not ELF files (scripts): copied, but their interpreter is the caller's business.</summary>
    public required IReadOnlyList<string> NonElfPrograms { get; init; }

    public bool IsComplete => Missing.Count == 0;
}

public sealed record LibraryClosureOptions
{
    public string LdSoConf { get; init; } = "/etc/ld.so.conf";

    /// <summary>The loader's built-in directories; null = the usual ones for the program's machine and class.</summary>
    public IReadOnlyList<string>? DefaultDirectories { get; init; }
}

/// <summary>
/// Finds the shared libraries programs need, transitively, the way glibc's ld.so does — without running
/// anything: for each DT_NEEDED name, an already loaded object with that name or SONAME; else DT_RPATH of
/// the loading object and its loaders up to the program (only when the loading object has no DT_RUNPATH),
/// then DT_RUNPATH of the loading object, then the directories of /etc/ld.so.conf (our stand-in for
/// ld.so.cache), then the default directories. $ORIGIN, $LIB and $PLATFORM are expanded; a candidate of the
/// wrong ELF class, byte order or machine is skipped like ld.so skips it. LD_LIBRARY_PATH is not used.
/// </summary>
/// <remarks>
/// Not modelled: glibc-hwcaps subdirectories, DF_1_NODEFLIB, the secure-mode (set-uid) restrictions on
/// $ORIGIN, dlopen()ed libraries (e.g. NSS modules — the caller adds those explicitly).
/// </remarks>
public sealed class LibraryClosure
{
    private const int MaxSymlinkHops = 40;
    private const int MaxIncludeDepth = 16;

    private readonly ISystemFiles _files;
    private readonly LibraryClosureOptions _options;
    private readonly Dictionary<string, ElfFile?> _elfCache = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _symlinks = new(StringComparer.Ordinal);
    private List<string>? _ldSoConfDirs;

    public LibraryClosure(ISystemFiles files, LibraryClosureOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        _files = files;
        _options = options ?? new LibraryClosureOptions();
    }

    /// <summary>The directories /etc/ld.so.conf lists, includes expanded, in order.</summary>
    public IReadOnlyList<string> LdSoConfDirectories => _ldSoConfDirs ??= ReadLdSoConf();

    public LibraryClosureResult Resolve(IEnumerable<string> programs)
    {
        ArgumentNullException.ThrowIfNull(programs);
        _symlinks.Clear();
        var files = new SortedSet<string>(StringComparer.Ordinal);
        var libraries = new List<ResolvedLibrary>();
        var seenLibraries = new HashSet<(string, string)>();
        var missing = new List<MissingLibrary>();
        var seenMissing = new HashSet<(string, string)>();
        var nonElf = new List<string>();

        void AddMissing(MissingLibrary m)
        {
            if (seenMissing.Add((m.Name, m.NeededBy)))
            {
                missing.Add(m);
            }
        }

        foreach (var program in programs)
        {
            // Every program is its own process: its own RPATH chain and its own set of loaded objects.
            var run = new ProcessImage(this, program);
            run.Load(files, libraries, seenLibraries, AddMissing, nonElf);
        }

        return new LibraryClosureResult
        {
            Files = files.ToList(),
            Symlinks = new SortedDictionary<string, string>(_symlinks, StringComparer.Ordinal),
            Libraries = libraries,
            Missing = missing,
            NonElfPrograms = nonElf,
        };
    }

    /// <summary>One loaded object of a process being simulated.</summary>
    private sealed class LoadedObject(string path, string realPath, ElfFile elf, LoadedObject? loader)
    {
        public string Path { get; } = path;

        public string RealPath { get; } = realPath;

        public ElfFile Elf { get; } = elf;

        /// <summary>The object whose DT_NEEDED caused this one to be loaded (null for the program).</summary>
        public LoadedObject? Loader { get; } = loader;

        /// <summary>Names this object answers to: the names it was requested by, and its SONAME.</summary>
        public HashSet<string> Names { get; } = new(StringComparer.Ordinal);

        /// <summary>$ORIGIN: the directory the object was loaded from (the program's after resolving links).</summary>
        public string Origin { get; init; } = "/";

        /// <summary>DT_RPATH counts only when there is no DT_RUNPATH (as in glibc).</summary>
        public string? EffectiveRPath => Elf.RunPath is null ? Elf.RPath : null;
    }

    private sealed class ProcessImage(LibraryClosure owner, string program)
    {
        private readonly List<LoadedObject> _loaded = [];

        public void Load(SortedSet<string> files, List<ResolvedLibrary> libraries, HashSet<(string, string)> seenLibraries,
            Action<MissingLibrary> missing, List<string> nonElf)
        {
            var path = NormalizePath(program);
            if (!owner._files.FileExists(path))
            {
                missing(new MissingLibrary(program, "(program list)", "the program does not exist"));
                return;
            }

            var real = owner.Canonicalize(path);
            var elf = owner.ReadElf(real);
            files.Add(real);
            if (elf is null)
            {
                nonElf.Add(path);
                return;
            }

            var main = new LoadedObject(path, real, elf, null) { Origin = DirectoryOf(real) };
            _loaded.Add(main);
            if (!elf.IsDynamic)
            {
                return;
            }

            if (elf.Interpreter is { } interp)
            {
                var ipath = NormalizePath(interp);
                if (!owner._files.FileExists(ipath) || owner.ReadElf(owner.Canonicalize(ipath)) is not { } ielf)
                {
                    missing(new MissingLibrary(interp, path, "the program interpreter (PT_INTERP) does not exist or is not ELF"));
                }
                else
                {
                    var ireal = owner.Canonicalize(ipath);
                    var lo = new LoadedObject(ipath, ireal, ielf, main) { Origin = DirectoryOf(ipath) };
                    lo.Names.Add(interp);
                    if (ielf.SoName is { } so)
                    {
                        lo.Names.Add(so);
                    }

                    _loaded.Add(lo);
                    files.Add(ireal);
                    if (seenLibraries.Add((interp, ipath)))
                    {
                        libraries.Add(new ResolvedLibrary(interp, ipath, ireal, path));
                    }
                }
            }

            // Breadth first, like _dl_map_object_deps: the first object to need a library becomes its loader.
            var queue = new Queue<LoadedObject>();
            queue.Enqueue(main);
            while (queue.Count > 0)
            {
                var obj = queue.Dequeue();
                foreach (var name in obj.Elf.Needed)
                {
                    var existing = _loaded.FirstOrDefault(l => l.Names.Contains(name));
                    if (existing is not null)
                    {
                        continue;
                    }

                    var found = Find(name, obj, out var reason);
                    if (found is null)
                    {
                        missing(new MissingLibrary(name, obj.Path, reason));
                        continue;
                    }

                    var (fpath, freal, felf) = found.Value;
                    var same = _loaded.FirstOrDefault(l => l.RealPath == freal);
                    if (same is not null)
                    {
                        // The same file under another name (glibc compares device and inode).
                        same.Names.Add(name);
                        continue;
                    }

                    var lib = new LoadedObject(fpath, freal, felf, obj) { Origin = DirectoryOf(fpath) };
                    lib.Names.Add(name);
                    if (felf.SoName is { } soname)
                    {
                        lib.Names.Add(soname);
                    }

                    _loaded.Add(lib);
                    files.Add(freal);
                    if (seenLibraries.Add((name, fpath)))
                    {
                        libraries.Add(new ResolvedLibrary(name, fpath, freal, obj.Path));
                    }

                    queue.Enqueue(lib);
                }
            }
        }

        private (string Path, string Real, ElfFile Elf)? Find(string name, LoadedObject loader, out string reason)
        {
            var main = _loaded[0];
            var rejected = new List<string>();
            if (name.Contains('/', StringComparison.Ordinal))
            {
                foreach (var candidate in owner.ExpandTokens(name, loader, main))
                {
                    if (Try(NormalizePath(candidate), rejected) is { } hit)
                    {
                        reason = "";
                        return hit;
                    }
                }

                reason = Reason(rejected, $"the path {name} does not exist");
                return null;
            }

            var dirs = new List<string>();
            if (loader.Elf.RunPath is null)
            {
                // DT_RPATH of the loader, then of its loader, up to the program.
                for (var l = loader; l is not null; l = l.Loader)
                {
                    if (l.EffectiveRPath is { } rpath)
                    {
                        dirs.AddRange(owner.SplitSearchPath(rpath, l, main));
                    }
                }
            }
            else
            {
                dirs.AddRange(owner.SplitSearchPath(loader.Elf.RunPath, loader, main));
            }

            dirs.AddRange(owner.LdSoConfDirectories);
            dirs.AddRange(owner._options.DefaultDirectories ?? DefaultDirectories(main.Elf));

            var tried = new HashSet<string>(StringComparer.Ordinal);
            foreach (var dir in dirs)
            {
                var candidate = NormalizePath(dir.TrimEnd('/') + "/" + name);
                if (!tried.Add(candidate))
                {
                    continue;
                }

                if (Try(candidate, rejected) is { } hit)
                {
                    reason = "";
                    return hit;
                }
            }

            reason = Reason(rejected, "not found in RPATH/RUNPATH, ld.so.conf or the default directories");
            return null;
        }

        private static string Reason(List<string> rejected, string notFound) =>
            rejected.Count == 0 ? notFound : notFound + "; rejected: " + string.Join("; ", rejected);

        private (string, string, ElfFile)? Try(string candidate, List<string> rejected)
        {
            if (!owner._files.FileExists(candidate))
            {
                return null;
            }

            var real = owner.Canonicalize(candidate);
            var elf = owner.ReadElf(real);
            var main = _loaded[0].Elf;
            if (elf is null)
            {
                rejected.Add($"{candidate} is not a valid ELF file");
                return null;
            }

            if (elf.Class != main.Class || elf.Data != main.Data || elf.Machine != main.Machine)
            {
                rejected.Add($"{candidate} is {elf.Class} {elf.Data} {elf.Machine}, the program is {main.Class} {main.Data} {main.Machine}");
                return null;
            }

            return (candidate, real, elf);
        }
    }

    /// <summary>The loader's built-in search directories for a program of this machine and class (Debian multiarch and lib64 layouts).</summary>
    public static IReadOnlyList<string> DefaultDirectories(ElfFile program)
    {
        ArgumentNullException.ThrowIfNull(program);
        var dirs = new List<string>();
        foreach (var triplet in MultiarchTriplets(program))
        {
            dirs.Add("/lib/" + triplet);
            dirs.Add("/usr/lib/" + triplet);
        }

        if (program.Is64Bit)
        {
            dirs.Add("/lib64");
            dirs.Add("/usr/lib64");
        }
        else if (program.Machine is ElfMachine.X86_64)
        {
            dirs.Add("/libx32");
            dirs.Add("/usr/libx32");
        }
        else
        {
            dirs.Add("/lib32");
            dirs.Add("/usr/lib32");
        }

        dirs.Add("/lib");
        dirs.Add("/usr/lib");
        return dirs;
    }

    /// <summary>Debian multiarch tuples for the program's machine, class and byte order.</summary>
    public static IReadOnlyList<string> MultiarchTriplets(ElfFile program)
    {
        ArgumentNullException.ThrowIfNull(program);
        var be = program.IsBigEndian;
        var is64 = program.Is64Bit;
        return program.Machine switch
        {
            ElfMachine.X86_64 => [is64 ? "x86_64-linux-gnu" : "x86_64-linux-gnux32"],
            ElfMachine.I386 => ["i386-linux-gnu"],
            ElfMachine.AArch64 => [be ? "aarch64_be-linux-gnu" : "aarch64-linux-gnu"],
            ElfMachine.Arm => ["arm-linux-gnueabihf", "arm-linux-gnueabi"],
            ElfMachine.PowerPC64 => [be ? "powerpc64-linux-gnu" : "powerpc64le-linux-gnu"],
            ElfMachine.PowerPC => ["powerpc-linux-gnu"],
            ElfMachine.S390 => [is64 ? "s390x-linux-gnu" : "s390-linux-gnu"],
            ElfMachine.RiscV => [is64 ? "riscv64-linux-gnu" : "riscv32-linux-gnu"],
            ElfMachine.LoongArch => ["loongarch64-linux-gnu"],
            ElfMachine.SparcV9 => ["sparc64-linux-gnu"],
            ElfMachine.IA64 => ["ia64-linux-gnu"],
            ElfMachine.Mips => is64
                ? (be ? ["mips64-linux-gnuabi64"] : ["mips64el-linux-gnuabi64"])
                : (be ? ["mips-linux-gnu"] : ["mipsel-linux-gnu"]),
            ElfMachine.M68k => ["m68k-linux-gnu"],
            _ => [],
        };
    }

    /// <summary>The value $PLATFORM takes for the program (AT_PLATFORM; a best guess without the running CPU).</summary>
    private static string Platform(ElfFile e) => e.Machine switch
    {
        ElfMachine.X86_64 => "x86_64",
        ElfMachine.I386 => "i686",
        ElfMachine.AArch64 => "aarch64",
        ElfMachine.PowerPC64 => e.IsBigEndian ? "ppc64" : "ppc64le",
        ElfMachine.S390 => e.Is64Bit ? "s390x" : "s390",
        ElfMachine.RiscV => "riscv64",
        _ => e.Machine.ToString().ToLowerInvariant(),
    };

    private List<string> SplitSearchPath(string path, LoadedObject obj, LoadedObject main)
    {
        var dirs = new List<string>();
        foreach (var part in path.Split(':'))
        {
            // An empty element means the current directory; ld.so does use it, but a rescue image cannot.
            if (part.Length == 0)
            {
                continue;
            }

            dirs.AddRange(ExpandTokens(part, obj, main));
        }

        return dirs;
    }

    /// <summary>Expands $ORIGIN, $LIB and $PLATFORM (also as ${...}). $LIB has several candidates (Debian multiarch or lib64).</summary>
    private IEnumerable<string> ExpandTokens(string s, LoadedObject obj, LoadedObject main)
    {
        if (!s.Contains('$', StringComparison.Ordinal))
        {
            return [s];
        }

        var libs = new List<string>();
        foreach (var t in MultiarchTriplets(main.Elf))
        {
            libs.Add("lib/" + t);
        }

        libs.Add(main.Elf.Is64Bit ? "lib64" : "lib32");
        libs.Add("lib");

        IEnumerable<string> results = [s];
        results = results.Select(r => ReplaceToken(r, "ORIGIN", obj.Origin.TrimEnd('/').Length == 0 ? "/" : obj.Origin.TrimEnd('/')));
        results = results.Select(r => ReplaceToken(r, "PLATFORM", Platform(main.Elf)));
        results = results.SelectMany(r => HasToken(r, "LIB") ? libs.Select(l => ReplaceToken(r, "LIB", l)) : [r]);
        return results.ToList();
    }

    private static bool HasToken(string s, string token) =>
        s.Contains("${" + token + "}", StringComparison.Ordinal) || FindBareToken(s, token) >= 0;

    private static string ReplaceToken(string s, string token, string value)
    {
        s = s.Replace("${" + token + "}", value, StringComparison.Ordinal);
        int i;
        while ((i = FindBareToken(s, token)) >= 0)
        {
            s = string.Concat(s.AsSpan(0, i), value, s.AsSpan(i + 1 + token.Length));
        }

        return s;
    }

    /// <summary>Index of "$TOKEN" not followed by another identifier character (so $LIBX is not $LIB).</summary>
    private static int FindBareToken(string s, string token)
    {
        var from = 0;
        while (true)
        {
            var i = s.IndexOf("$" + token, from, StringComparison.Ordinal);
            if (i < 0)
            {
                return -1;
            }

            var end = i + 1 + token.Length;
            if (end >= s.Length || !(char.IsAsciiLetterOrDigit(s[end]) || s[end] == '_'))
            {
                return i;
            }

            from = i + 1;
        }
    }

    private ElfFile? ReadElf(string realPath)
    {
        if (_elfCache.TryGetValue(realPath, out var cached))
        {
            return cached;
        }

        ElfFile? elf = null;
        try
        {
            using var s = _files.OpenRead(realPath);
            if (ElfFile.IsElf(s))
            {
                elf = ElfFile.Read(s);
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            elf = null;
        }

        _elfCache[realPath] = elf;
        return elf;
    }

    /// <summary>
    /// Resolves every symbolic link in <paramref name="path"/> (directories too), remembering each link met
    /// so the rescue image can recreate it. Returns the real path.
    /// </summary>
    public string Canonicalize(string path)
    {
        var pending = new List<string>(NormalizePath(path).Split('/', StringSplitOptions.RemoveEmptyEntries));
        var resolved = new List<string>();
        var hops = 0;
        while (pending.Count > 0)
        {
            var part = pending[0];
            pending.RemoveAt(0);
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }

                continue;
            }

            var current = "/" + string.Join('/', resolved.Append(part));
            var target = _files.ReadLink(current);
            if (target is null)
            {
                resolved.Add(part);
                continue;
            }

            if (++hops > MaxSymlinkHops)
            {
                throw new IOException($"Too many levels of symbolic links resolving {path}.");
            }

            _symlinks[current] = target;
            if (target.StartsWith('/'))
            {
                resolved.Clear();
            }

            pending.InsertRange(0, target.Split('/', StringSplitOptions.RemoveEmptyEntries));
        }

        return "/" + string.Join('/', resolved);
    }

    private List<string> ReadLdSoConf()
    {
        var dirs = new List<string>();
        ParseConf(_options.LdSoConf, dirs, 0);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return dirs.Where(seen.Add).ToList();
    }

    private void ParseConf(string file, List<string> dirs, int depth)
    {
        if (depth > MaxIncludeDepth)
        {
            return;
        }

        var text = _files.ReadText(file);
        if (text is null)
        {
            return;
        }

        foreach (var raw in text.Split('\n'))
        {
            var line = raw;
            var hash = line.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0)
            {
                line = line[..hash];
            }

            line = line.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith("include", StringComparison.Ordinal) && line.Length > 7 && char.IsWhiteSpace(line[7]))
            {
                foreach (var pattern in line[8..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                {
                    var full = pattern.StartsWith('/') ? pattern : DirectoryOf(file).TrimEnd('/') + "/" + pattern;
                    foreach (var inc in Glob(full))
                    {
                        ParseConf(inc, dirs, depth + 1);
                    }
                }
            }
            else if (line.StartsWith("hwcap", StringComparison.Ordinal) && line.Length > 5 && char.IsWhiteSpace(line[5]))
            {
                // Obsolete "hwcap" lines name capability bits, not directories.
            }
            else
            {
                // Old ldconfig allowed "dir=libtype"; the directory is the part before '='.
                var eq = line.IndexOf('=', StringComparison.Ordinal);
                var dir = (eq >= 0 ? line[..eq] : line).Trim().TrimEnd('/');
                if (dir.StartsWith('/'))
                {
                    dirs.Add(dir);
                }
            }
        }
    }

    /// <summary>Expands a glob(3) pattern (*, ?, [...]) component by component, sorted like glob.</summary>
    private List<string> Glob(string pattern)
    {
        var parts = pattern.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var current = new List<string> { "" };
        foreach (var part in parts)
        {
            var next = new List<string>();
            var wild = part.IndexOfAny(['*', '?', '[']) >= 0;
            foreach (var dir in current)
            {
                if (!wild)
                {
                    next.Add(dir + "/" + part);
                    continue;
                }

                var names = _files.ListDirectory(dir.Length == 0 ? "/" : dir)
                    .Where(n => !n.StartsWith('.') && WildcardMatch(part, n))
                    .Order(StringComparer.Ordinal);
                next.AddRange(names.Select(n => dir + "/" + n));
            }

            current = next;
        }

        return current.Where(p => p.Length > 0 && _files.FileExists(p)).ToList();
    }

    /// <summary>Matches one path component against *, ? and [...] (with ! or ^ negation and ranges).</summary>
    public static bool WildcardMatch(string pattern, string name)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(name);
        return Match(0, 0);

        bool Match(int p, int n)
        {
            while (p < pattern.Length)
            {
                var c = pattern[p];
                if (c == '*')
                {
                    for (var k = n; k <= name.Length; k++)
                    {
                        if (Match(p + 1, k))
                        {
                            return true;
                        }
                    }

                    return false;
                }

                if (n >= name.Length)
                {
                    return false;
                }

                if (c == '?')
                {
                    p++;
                    n++;
                    continue;
                }

                if (c == '[')
                {
                    var close = p + 2 < pattern.Length ? pattern.IndexOf(']', p + 2) : -1;
                    if (close < 0)
                    {
                        if (name[n] != '[')
                        {
                            return false;
                        }

                        p++;
                        n++;
                        continue;
                    }

                    var set = pattern.AsSpan(p + 1, close - p - 1);
                    var negate = set.Length > 0 && (set[0] == '!' || set[0] == '^');
                    if (negate)
                    {
                        set = set[1..];
                    }

                    var hit = false;
                    for (var i = 0; i < set.Length; i++)
                    {
                        if (i + 2 < set.Length && set[i + 1] == '-')
                        {
                            hit |= name[n] >= set[i] && name[n] <= set[i + 2];
                            i += 2;
                        }
                        else
                        {
                            hit |= name[n] == set[i];
                        }
                    }

                    if (hit == negate)
                    {
                        return false;
                    }

                    p = close + 1;
                    n++;
                    continue;
                }

                if (c != name[n])
                {
                    return false;
                }

                p++;
                n++;
            }

            return n == name.Length;
        }
    }

    private static string NormalizePath(string path)
    {
        var abs = path.StartsWith('/') ? path : "/" + path;
        var parts = new List<string>();
        foreach (var part in abs.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
            {
                continue;
            }

            // ".." is kept: it must be applied after resolving links, which Canonicalize does.
            parts.Add(part);
        }

        return "/" + string.Join('/', parts);
    }

    private static string DirectoryOf(string path)
    {
        var i = path.LastIndexOf('/');
        return i <= 0 ? "/" : path[..i];
    }
}
