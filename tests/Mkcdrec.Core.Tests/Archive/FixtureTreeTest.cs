using Mkcdrec.Platform.Linux;

namespace Mkcdrec.Core.Tests.Archive;

/// <summary>A test class over <see cref="TreeFixture"/>'s tree in src/ of a temporary directory, removed (mounts too) after each test.</summary>
public abstract class FixtureTreeTest : IDisposable
{
    protected FixtureTreeTest()
    {
        Assert.SkipUnless(TreeFixture.IsRoot, "needs root (mknod, chown, mount)");
        Dir = TreeFixture.NewTempDir();
        Src = Path.Combine(Dir, "src");
        Directory.CreateDirectory(Src);
        TreeFixture.Build(Src);
    }

    protected string Dir { get; }

    protected string Src { get; }

    protected FileSystemAccess Fs { get; } = new();

    public void Dispose()
    {
        if (Dir is not null)
        {
            TreeFixture.Cleanup(Dir);
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>A new directory under the temporary one.</summary>
    protected string Sub(string name)
    {
        var p = Path.Combine(Dir, name);
        Directory.CreateDirectory(p);
        return p;
    }
}
