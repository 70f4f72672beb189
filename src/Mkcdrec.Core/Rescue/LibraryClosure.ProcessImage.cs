using Mkcdrec.Core.Platform;
using Mkcdrec.Formats.Elf;

namespace Mkcdrec.Core.Rescue;

public sealed partial class LibraryClosure
{
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

            if (elf.Interpreter is { } interpreter)
            {
                LoadInterpreter(interpreter, main, files, libraries, seenLibraries, missing);
            }

            LoadNeeded(main, files, libraries, seenLibraries, missing);
        }

        private void LoadInterpreter(string interpreter, LoadedObject main, SortedSet<string> files, List<ResolvedLibrary> libraries,
            HashSet<(string, string)> seenLibraries, Action<MissingLibrary> missing)
        {
            var path = NormalizePath(interpreter);
            if (!owner._files.FileExists(path) || owner.ReadElf(owner.Canonicalize(path)) is not { } elf)
            {
                missing(new MissingLibrary(interpreter, main.Path, "the program interpreter (PT_INTERP) does not exist or is not ELF"));
                return;
            }

            Register(interpreter, path, owner.Canonicalize(path), elf, main, files, libraries, seenLibraries);
        }

        /// <summary>Adds a newly loaded object under the name it was asked for (and its SONAME), and records its file.</summary>
        private LoadedObject Register(string name, string path, string real, ElfFile elf, LoadedObject loader, SortedSet<string> files,
            List<ResolvedLibrary> libraries, HashSet<(string, string)> seenLibraries)
        {
            var loaded = new LoadedObject(path, real, elf, loader) { Origin = DirectoryOf(path) };
            loaded.Names.Add(name);
            if (elf.SoName is { } soname)
            {
                loaded.Names.Add(soname);
            }

            _loaded.Add(loaded);
            files.Add(real);
            if (seenLibraries.Add((name, path)))
            {
                libraries.Add(new ResolvedLibrary(name, path, real, loader.Path));
            }

            return loaded;
        }

        /// <summary>Breadth first, like _dl_map_object_deps: the first object to need a library becomes its loader.</summary>
        private void LoadNeeded(LoadedObject main, SortedSet<string> files, List<ResolvedLibrary> libraries,
            HashSet<(string, string)> seenLibraries, Action<MissingLibrary> missing)
        {
            var queue = new Queue<LoadedObject>();
            queue.Enqueue(main);
            while (queue.Count > 0)
            {
                var obj = queue.Dequeue();
                foreach (var name in obj.Elf.Needed)
                {
                    if (_loaded.Any(l => l.Names.Contains(name)))
                    {
                        continue;
                    }

                    var found = Find(name, obj, out var reason);
                    if (found is null)
                    {
                        missing(new MissingLibrary(name, obj.Path, reason));
                        continue;
                    }

                    var (path, real, elf) = found.Value;
                    var same = _loaded.FirstOrDefault(l => l.RealPath == real);
                    if (same is not null)
                    {
                        // The same file under another name (glibc compares device and inode).
                        same.Names.Add(name);
                        continue;
                    }

                    queue.Enqueue(Register(name, path, real, elf, obj, files, libraries, seenLibraries));
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
}
