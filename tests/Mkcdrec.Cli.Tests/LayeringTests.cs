using System.Reflection;

namespace Mkcdrec.Cli.Tests;

/// <summary>Enforces the layering of DESIGN.md: Formats and Model depend on nothing of ours; Core only on them.</summary>
public class LayeringTests
{
    private static readonly string Dir = AppContext.BaseDirectory;

    private static string[] OurReferences(string assembly)
    {
        var asm = Assembly.LoadFrom(Path.Combine(Dir, assembly + ".dll"));
        return asm.GetReferencedAssemblies().Select(a => a.Name!).Where(n => n.StartsWith("Mkcdrec.", StringComparison.Ordinal) || n == "mkcdrec").Order().ToArray();
    }

    [Fact]
    public void Formats_depends_on_nothing_of_ours() => Assert.Empty(OurReferences("Mkcdrec.Formats"));

    [Fact]
    public void Model_depends_on_nothing_of_ours() => Assert.Empty(OurReferences("Mkcdrec.Model"));

    [Fact]
    public void Core_depends_only_on_Formats_and_Model()
    {
        var refs = OurReferences("Mkcdrec.Core");
        Assert.All(refs, r => Assert.Contains(r, new[] { "Mkcdrec.Formats", "Mkcdrec.Model" }));
    }

    [Fact]
    public void Platform_does_not_depend_on_Cli() => Assert.DoesNotContain("mkcdrec", OurReferences("Mkcdrec.Platform.Linux"));

    [Theory]
    [InlineData("Mkcdrec.Formats")]
    [InlineData("Mkcdrec.Model")]
    [InlineData("Mkcdrec.Core")]
    public void Only_Platform_starts_processes(string assembly)
    {
        // Everything that touches the machine goes through the Platform interfaces (one logged process runner).
        var asm = Assembly.LoadFrom(Path.Combine(Dir, assembly + ".dll"));
        Assert.DoesNotContain("System.Diagnostics.Process", TypeReferences(asm.ManifestModule));
    }

    private static List<string> TypeReferences(Module m)
    {
        var names = new List<string>();
        for (var token = 0x01000001; token < 0x01010000; token++)
        {
            try
            {
                names.Add(m.ResolveType(token).FullName ?? "");
            }
            catch (ArgumentOutOfRangeException)
            {
                break;
            }
            catch (ArgumentException)
            {
                break;
            }
            catch (TypeLoadException)
            {
            }
        }

        Assert.NotEmpty(names);
        return names;
    }
}
