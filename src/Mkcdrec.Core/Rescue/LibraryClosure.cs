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
public sealed partial class LibraryClosure
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
}
