using Mkcdrec.Core.Rescue;
using Mkcdrec.Formats.Elf;
using Mkcdrec.Tests.Shared;

namespace Mkcdrec.Core.Tests.Rescue;

public class LibraryClosureTests
{
    private const string Interp = "/lib64/ld-linux-x86-64.so.2";
    private const string Multiarch = "/usr/lib/x86_64-linux-gnu";

    private static byte[] Program(string[] needed, string? rpath = null, string? runpath = null) =>
        new ElfBuilder { Type = ElfType.Dyn, Interpreter = Interp, Needed = needed, RPath = rpath, RunPath = runpath }.Build();

    private static byte[] Lib(string soname, string[]? needed = null, string? rpath = null, string? runpath = null,
        ElfClass cls = ElfClass.Elf64, ElfMachine machine = ElfMachine.X86_64) =>
        new ElfBuilder { Class = cls, Machine = machine, SoName = soname, Needed = needed ?? [], RPath = rpath, RunPath = runpath }.Build();

    /// <summary>A small merged-/usr Debian: /lib → usr/lib, /lib64 → usr/lib64, the loader, libc and ld.so.conf.</summary>
    private static FakeFiles Base() => new FakeFiles()
        .Link("/lib", "usr/lib")
        .Link("/lib64", "usr/lib64")
        .Link("/bin", "usr/bin")
        .Link("/usr/lib64/ld-linux-x86-64.so.2", "../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
        .File(Multiarch + "/ld-linux-x86-64.so.2", Lib("ld-linux-x86-64.so.2"))
        .File(Multiarch + "/libc.so.6", Lib("libc.so.6", ["ld-linux-x86-64.so.2"]))
        .Text("/etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n\n")
        .Text("/etc/ld.so.conf.d/libc.conf", "# libc default configuration\n/usr/local/lib\n")
        .Text("/etc/ld.so.conf.d/x86_64-linux-gnu.conf", "# Multiarch support\n/usr/local/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu\n")
        .Text("/etc/ld.so.conf.d/README", "not a .conf file: /should/not/appear\n");

    [Fact]
    public void Resolves_interpreter_libraries_and_every_symlink_on_the_way()
    {
        var fs = Base()
            .Link(Multiarch + "/libtinfo.so.6", "libtinfo.so.6.4")
            .File(Multiarch + "/libtinfo.so.6.4", Lib("libtinfo.so.6", ["libc.so.6"]))
            .File("/usr/bin/bash", Program(["libtinfo.so.6", "libc.so.6"]));
        var closure = new LibraryClosure(fs);
        var r = closure.Resolve(["/bin/bash"]);

        Assert.True(r.IsComplete, string.Join("; ", r.Missing));
        Assert.Equal(
            new[] { "/usr/bin/bash", Multiarch + "/ld-linux-x86-64.so.2", Multiarch + "/libc.so.6", Multiarch + "/libtinfo.so.6.4" }.Order(StringComparer.Ordinal),
            r.Files);
        Assert.Equal("usr/bin", r.Symlinks["/bin"]);
        Assert.Equal("usr/lib", r.Symlinks["/lib"]);
        Assert.Equal("usr/lib64", r.Symlinks["/lib64"]);
        Assert.Equal("../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", r.Symlinks["/usr/lib64/ld-linux-x86-64.so.2"]);
        Assert.Equal("libtinfo.so.6.4", r.Symlinks[Multiarch + "/libtinfo.so.6"]);

        // ld.so.conf order: /lib/x86_64-linux-gnu comes before /usr/lib/x86_64-linux-gnu, as ldd would print it.
        var tinfo = r.Libraries.Single(l => l.Name == "libtinfo.so.6");
        Assert.Equal("/lib/x86_64-linux-gnu/libtinfo.so.6", tinfo.Path);
        Assert.Equal(Multiarch + "/libtinfo.so.6.4", tinfo.RealPath);
        Assert.Equal("/bin/bash", tinfo.NeededBy);

        // libc's DT_NEEDED ld-linux-x86-64.so.2 is the interpreter (matched by its SONAME), not a second copy.
        Assert.Single(r.Libraries, l => l.RealPath.EndsWith("ld-linux-x86-64.so.2", StringComparison.Ordinal));
        Assert.Equal(Interp, r.Libraries.Single(l => l.RealPath.EndsWith("ld-linux-x86-64.so.2", StringComparison.Ordinal)).Path);
        Assert.DoesNotContain("/should/not/appear", closure.LdSoConfDirectories);
        Assert.Equal(["/usr/local/lib", "/usr/local/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", Multiarch], closure.LdSoConfDirectories);
    }

    [Fact]
    public void Rpath_with_origin_is_searched_for_the_program_and_inherited_by_its_libraries()
    {
        var fs = Base()
            .File("/opt/app/bin/app", Program(["libfoo.so.1", "libc.so.6"], rpath: "$ORIGIN/../lib"))
            .File("/opt/app/lib/libfoo.so.1", Lib("libfoo.so.1", ["libbar.so.1"]))
            .File("/opt/app/lib/libbar.so.1", Lib("libbar.so.1", ["libc.so.6"]));
        var r = new LibraryClosure(fs).Resolve(["/opt/app/bin/app"]);
        Assert.True(r.IsComplete, string.Join("; ", r.Missing));
        Assert.Equal("/opt/app/bin/../lib/libfoo.so.1", r.Libraries.Single(l => l.Name == "libfoo.so.1").Path);
        Assert.Equal("/opt/app/lib/libbar.so.1", r.Libraries.Single(l => l.Name == "libbar.so.1").RealPath);
        Assert.Contains("/opt/app/lib/libbar.so.1", r.Files);
    }

    [Fact]
    public void Origin_of_the_program_is_the_directory_of_its_real_path()
    {
        var fs = Base()
            .Link("/usr/bin/tool", "/etc/alternatives/tool")
            .Link("/etc/alternatives/tool", "/opt/tool/bin/tool")
            .File("/opt/tool/bin/tool", Program(["libjli.so"], rpath: "${ORIGIN}/../lib"))
            .File("/opt/tool/lib/libjli.so", Lib("libjli.so", ["libc.so.6"]));
        var r = new LibraryClosure(fs).Resolve(["/usr/bin/tool"]);
        Assert.True(r.IsComplete, string.Join("; ", r.Missing));
        Assert.Contains("/opt/tool/lib/libjli.so", r.Files);
        Assert.Equal("/etc/alternatives/tool", r.Symlinks["/usr/bin/tool"]);
        Assert.Equal("/opt/tool/bin/tool", r.Symlinks["/etc/alternatives/tool"]);
    }

    [Fact]
    public void Runpath_is_not_inherited_so_a_library_only_there_for_an_indirect_need_is_missing()
    {
        var fs = Base()
            .File("/opt/app/bin/app", Program(["libfoo.so.1"], runpath: "/opt/app/lib"))
            .File("/opt/app/lib/libfoo.so.1", Lib("libfoo.so.1", ["libbar.so.1"]))
            .File("/opt/app/lib/libbar.so.1", Lib("libbar.so.1"));
        var r = new LibraryClosure(fs).Resolve(["/opt/app/bin/app"]);
        Assert.False(r.IsComplete);
        var m = Assert.Single(r.Missing);
        Assert.Equal("libbar.so.1", m.Name);
        Assert.Equal("/opt/app/lib/libfoo.so.1", m.NeededBy);
        Assert.Contains("/opt/app/lib/libfoo.so.1", r.Files);
    }

    [Fact]
    public void Runpath_disables_rpath_of_the_same_object()
    {
        var fs = Base()
            .File("/opt/app/bin/app", Program(["libfoo.so.1"], rpath: "/opt/r", runpath: "/opt/n"))
            .File("/opt/r/libfoo.so.1", Lib("libfoo.so.1"))
            .File("/opt/n/libfoo.so.1", Lib("libfoo.so.1"));
        var r = new LibraryClosure(fs).Resolve(["/opt/app/bin/app"]);
        Assert.Equal("/opt/n/libfoo.so.1", r.Libraries.Single(l => l.Name == "libfoo.so.1").Path);
    }

    [Fact]
    public void Rpath_comes_before_ld_so_conf_and_ld_so_conf_before_default_directories()
    {
        var fs = Base()
            .File("/usr/bin/p", Program(["libz.so.1", "libq.so.1"], rpath: "/opt/r"))
            .File("/opt/r/libz.so.1", Lib("libz.so.1"))
            .File(Multiarch + "/libz.so.1", Lib("libz.so.1"))
            .File("/usr/local/lib/libq.so.1", Lib("libq.so.1"))
            .File("/usr/lib/libq.so.1", Lib("libq.so.1"));
        var r = new LibraryClosure(fs).Resolve(["/usr/bin/p"]);
        Assert.Equal("/opt/r/libz.so.1", r.Libraries.Single(l => l.Name == "libz.so.1").Path);
        Assert.Equal("/usr/local/lib/libq.so.1", r.Libraries.Single(l => l.Name == "libq.so.1").Path);
    }

    [Fact]
    public void A_library_of_the_wrong_class_or_machine_is_skipped()
    {
        var fs = Base()
            .File("/usr/bin/p", Program(["libz.so.1"]))
            .File("/usr/local/lib/libz.so.1", Lib("libz.so.1", cls: ElfClass.Elf32, machine: ElfMachine.I386))
            .File("/usr/local/lib/x86_64-linux-gnu/libz.so.1", Lib("libz.so.1", machine: ElfMachine.AArch64))
            .File(Multiarch + "/libz.so.1", Lib("libz.so.1"));
        var r = new LibraryClosure(fs).Resolve(["/usr/bin/p"]);
        Assert.True(r.IsComplete);
        Assert.Equal("/lib/x86_64-linux-gnu/libz.so.1", r.Libraries.Single(l => l.Name == "libz.so.1").Path);
        Assert.DoesNotContain("/usr/local/lib/libz.so.1", r.Files);
    }

    [Fact]
    public void Missing_libraries_say_what_and_who_needs_them_and_why_candidates_were_rejected()
    {
        var fs = Base()
            .File("/usr/bin/p", Program(["libnothere.so.3", "libwrong.so.1"]))
            .File(Multiarch + "/libwrong.so.1", Lib("libwrong.so.1", cls: ElfClass.Elf32, machine: ElfMachine.I386));
        var r = new LibraryClosure(fs).Resolve(["/usr/bin/p", "/usr/bin/absent"]);
        Assert.False(r.IsComplete);
        Assert.Contains(r.Missing, m => m.Name == "libnothere.so.3" && m.NeededBy == "/usr/bin/p");
        Assert.Contains(r.Missing, m => m.Name == "libwrong.so.1" && m.Reason.Contains("Elf32", StringComparison.Ordinal));
        Assert.Contains(r.Missing, m => m.Name == "/usr/bin/absent");
    }

    [Fact]
    public void Static_programs_and_scripts_bring_only_themselves()
    {
        var fs = Base()
            .File("/usr/bin/busybox", new ElfBuilder { Static = true, Type = ElfType.Exec }.Build())
            .Text("/usr/sbin/script", "#!/bin/sh\necho hi\n");
        var r = new LibraryClosure(fs).Resolve(["/usr/bin/busybox", "/usr/sbin/script"]);
        Assert.True(r.IsComplete);
        Assert.Equal(["/usr/bin/busybox", "/usr/sbin/script"], r.Files);
        Assert.Empty(r.Libraries);
        Assert.Equal(["/usr/sbin/script"], r.NonElfPrograms);
    }

    [Fact]
    public void Big_endian_s390x_uses_its_multiarch_directory_and_interpreter()
    {
        byte[] S390(string? soname, string[] needed, string? interp = null) => new ElfBuilder
        {
            Class = ElfClass.Elf64, Data = ElfData.BigEndian, Machine = ElfMachine.S390,
            SoName = soname, Needed = needed, Interpreter = interp,
        }.Build();
        var fs = new FakeFiles()
            .File("/lib/ld64.so.1", S390("ld64.so.1", []))
            .File("/lib/s390x-linux-gnu/libc.so.6", S390("libc.so.6", ["ld64.so.1"]))
            .File("/lib/x86_64-linux-gnu/libc.so.6", Lib("libc.so.6"))
            .File("/usr/sbin/mdadm", S390(null, ["libc.so.6"], "/lib/ld64.so.1"));
        var r = new LibraryClosure(fs).Resolve(["/usr/sbin/mdadm"]);
        Assert.True(r.IsComplete, string.Join("; ", r.Missing));
        Assert.Equal(["/lib/ld64.so.1", "/lib/s390x-linux-gnu/libc.so.6", "/usr/sbin/mdadm"], r.Files);
    }

    [Theory]
    [InlineData("*.conf", "libc.conf", true)]
    [InlineData("*.conf", "README", false)]
    [InlineData("lib?.so", "libz.so", true)]
    [InlineData("[a-c]*", "b1", true)]
    [InlineData("[!a-c]*", "b1", false)]
    [InlineData("x[", "x[", true)]
    public void Glob_components_match_like_glob3(string pattern, string name, bool match) =>
        Assert.Equal(match, ShellWildcard.Matches(pattern, name));

    // ---- The real machine: our closure must equal what ldd (the loader itself) resolves. ----

    private static readonly string[] RealProgramPaths =
    [
        "/bin/bash", "/usr/bin/ls", "/usr/bin/ssh", "/usr/sbin/sgdisk", "/usr/bin/xorriso", "/usr/bin/qemu-img",
        "/sbin/mdadm", "/usr/bin/busctl", "/usr/bin/apropos", "/usr/bin/java", "/bin/busybox",
    ];

    public static TheoryData<string> RealPrograms => new(RealProgramPaths);

    /// <summary>
    /// What the loader resolves when the kernel starts the program: LD_TRACE_LOADED_OBJECTS=1 makes ld.so list
    /// the objects and exit before the program's own code runs. (This is what ldd does too, except that ldd
    /// starts the program through ld.so by the path given, so $ORIGIN of a program reached through a symlink
    /// is the link's directory in ldd but the real file's directory when the program really runs.)
    /// </summary>
    private static Tool.Result Trace(string program) =>
        Tool.Run(program, [], environment: new Dictionary<string, string> { ["LD_TRACE_LOADED_OBJECTS"] = "1" });

    private sealed record LoaderView(SortedSet<string> RealFiles, Dictionary<string, string> Paths, SortedSet<string> Missing);

    /// <summary>Parses ldd-style lines: "libc.so.6 => /lib/.../libc.so.6 (0x...)", "/lib64/ld-linux-x86-64.so.2 (0x...)",
    /// "linux-vdso.so.1 (0x...)" (in the kernel, no file), "libfoo.so => not found".</summary>
    private static LoaderView Parse(string output, string program)
    {
        var view = new LoaderView(new SortedSet<string>(StringComparer.Ordinal) { RealPath(program) },
            new Dictionary<string, string>(StringComparer.Ordinal), new SortedSet<string>(StringComparer.Ordinal));
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var arrow = line.IndexOf(" => ", StringComparison.Ordinal);
            var name = arrow >= 0 ? line[..arrow] : line.Split(' ')[0];
            var rest = arrow >= 0 ? line[(arrow + 4)..] : line;
            if (rest.StartsWith("not found", StringComparison.Ordinal))
            {
                view.Missing.Add(name);
                continue;
            }

            var path = rest.Split(' ')[0];
            if (!path.StartsWith('/'))
            {
                continue;
            }

            view.RealFiles.Add(RealPath(path));
            if (arrow >= 0)
            {
                view.Paths[name] = path;
            }
        }

        return view;
    }

    private static bool IsStatic(Tool.Result ldd) =>
        (ldd.StdOut + ldd.StdErr).Contains("not a dynamic executable", StringComparison.Ordinal)
        || ldd.StdOut.Contains("statically linked", StringComparison.Ordinal);

    /// <summary>
    /// Objects of another machine (the arm64 multiarch libraries the arm64 tier installs beside the x86_64 ones, with the
    /// same names): the closure takes the aarch64 files the aarch64 loader itself lists (ld.so --list, run by qemu-user),
    /// never an x86_64 library of the same name.
    /// </summary>
    [Theory]
    [InlineData("/usr/lib/aarch64-linux-gnu/libssl.so.3")]
    [InlineData("/usr/lib/aarch64-linux-gnu/libzstd.so.1")]
    public void An_aarch64_object_gets_the_aarch64_libraries_its_own_loader_finds(string program)
    {
        Assert.SkipUnless(File.Exists(program) && File.Exists("/lib/ld-linux-aarch64.so.1") && Tool.Exists("qemu-aarch64-static"),
            "the arm64 multiarch libraries and qemu-user-static are not installed (.ci/install-deps installs them)");
        var r = new LibraryClosure(new RealFiles()).Resolve([program]);
        var list = Tool.Run("qemu-aarch64-static", "/lib/ld-linux-aarch64.so.1", "--list", program);
        Assert.Equal(0, list.ExitCode);
        var expected = Parse(list.StdOut, program);
        Assert.True(expected.RealFiles.Count >= 3, list.StdOut);
        Assert.Equal(expected.RealFiles, r.Files);
        Assert.Empty(r.Missing);
        foreach (var (name, path) in expected.Paths)
        {
            Assert.Equal(path, r.Libraries.Single(l => l.Name == name).Path);
        }

        Assert.All(r.Files, f =>
        {
            using var s = File.OpenRead(f);
            Assert.Equal(ElfMachine.AArch64, ElfFile.Read(s).Machine);
        });
    }

    [Theory]
    [MemberData(nameof(RealPrograms))]
    public void Closure_equals_what_the_loader_resolves(string program)
    {
        Assert.SkipUnless(File.Exists(program), $"{program} is not installed here");
        var r = new LibraryClosure(new RealFiles()).Resolve([program]);
        var ldd = Tool.Run("ldd", program);
        if (IsStatic(ldd))
        {
            Assert.Equal([RealPath(program)], r.Files);
            Assert.Empty(r.Libraries);
            return;
        }

        var trace = Trace(program);
        Assert.Equal(0, trace.ExitCode);
        var expected = Parse(trace.StdOut, program);
        Assert.Equal(expected.RealFiles, r.Files);
        Assert.Equal(expected.Missing, new SortedSet<string>(r.Missing.Select(m => m.Name), StringComparer.Ordinal));
        foreach (var (name, path) in expected.Paths)
        {
            Assert.Equal(path, r.Libraries.Single(l => l.Name == name).Path);
        }

        // Every link recorded really is a link with that target, and every file is a regular file.
        foreach (var (link, target) in r.Symlinks)
        {
            Assert.Equal(target, new FileInfo(link).LinkTarget);
        }

        Assert.All(r.Files, f => Assert.Null(new FileInfo(f).LinkTarget));
    }

    [Theory]
    [MemberData(nameof(RealPrograms))]
    public void Closure_equals_what_ldd_prints(string program)
    {
        Assert.SkipUnless(File.Exists(program), $"{program} is not installed here");
        Tool.SkipUnlessTool("ldd");
        var ldd = Tool.Run("ldd", program);
        var r = new LibraryClosure(new RealFiles()).Resolve([program]);
        if (IsStatic(ldd))
        {
            Assert.Equal([RealPath(program)], r.Files);
            return;
        }

        Assert.Equal(0, ldd.ExitCode);
        var expected = Parse(ldd.StdOut, program);
        var originThroughLink = new FileInfo(program).LinkTarget is not null && ReadElfRPathHasOrigin(program);
        if (originThroughLink)
        {
            // ldd's known difference: it reports the $ORIGIN libraries of a symlinked program as "not found";
            // we find them where the real run finds them. Everything ldd did find, we found the same.
            Assert.NotEmpty(expected.Missing);
            Assert.True(expected.RealFiles.IsSubsetOf(r.Files));
            Assert.All(expected.Missing, m => Assert.Contains(r.Libraries, l => l.Name == m));
            return;
        }

        Assert.Equal(expected.RealFiles, r.Files);
        Assert.Equal(expected.Missing, new SortedSet<string>(r.Missing.Select(m => m.Name), StringComparer.Ordinal));
        foreach (var (name, path) in expected.Paths)
        {
            Assert.Equal(path, r.Libraries.Single(l => l.Name == name).Path);
        }
    }

    private static bool ReadElfRPathHasOrigin(string program)
    {
        using var s = File.OpenRead(RealPath(program));
        var e = ElfFile.Read(s);
        return (e.RPath ?? e.RunPath ?? "").Contains("ORIGIN", StringComparison.Ordinal);
    }

    [Fact]
    public void Several_real_programs_at_once_give_the_union()
    {
        var programs = RealProgramPaths.Where(File.Exists).ToList();
        Assert.SkipWhen(programs.Count < 2, "not enough programs installed");
        var together = new LibraryClosure(new RealFiles()).Resolve(programs);
        var union = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var p in programs)
        {
            union.UnionWith(new LibraryClosure(new RealFiles()).Resolve([p]).Files);
        }

        Assert.Equal(union, together.Files);
    }

    private static string RealPath(string path) => Tool.Checked("realpath", ["-e", "--", path]).StdOut.Trim();
}
