namespace Mkcdrec.TestVm;

/// <summary>Finds the repository (the directory with mkcdrec.slnx) and what the runner needs in it.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> RootLazy = new(FindRoot);

    /// <summary>The repository root: $MKCDREC_REPO, else the first parent of the test binaries (or the working directory) holding mkcdrec.slnx.</summary>
    public static string Root => RootLazy.Value;

    public static string TestVmDir => Path.Combine(Root, "testvm");

    /// <summary>out/linux-x64/mkcdrec, as ./build.sh leaves it ($MKCDREC_BINARY overrides).</summary>
    public static string MkcdrecBinary =>
        Environment.GetEnvironmentVariable("MKCDREC_BINARY") is { Length: > 0 } b ? b : Path.Combine(Root, "out", "linux-x64", "mkcdrec");

    /// <summary>The binary that runs on <paramref name="architecture"/>'s machines: <see cref="MkcdrecBinary"/>, or
    /// out/linux-arm64/mkcdrec (./build.sh --arm64) for aarch64.</summary>
    public static string MkcdrecBinaryFor(Mkcdrec.Core.Platform.MachineArchitecture architecture) =>
        architecture == Mkcdrec.Core.Platform.MachineArchitecture.Aarch64 ? Path.Combine(Root, "out", "linux-arm64", "mkcdrec") : MkcdrecBinary;

    private static string FindRoot()
    {
        if (Environment.GetEnvironmentVariable("MKCDREC_REPO") is { Length: > 0 } env)
        {
            return Path.GetFullPath(env);
        }

        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "mkcdrec.slnx")) && Directory.Exists(Path.Combine(dir.FullName, "testvm")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new TestVmException($"Cannot find the mkcdrec repository (mkcdrec.slnx) above {AppContext.BaseDirectory}; set MKCDREC_REPO.");
    }
}
