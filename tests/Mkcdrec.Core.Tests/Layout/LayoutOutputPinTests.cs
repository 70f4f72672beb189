using Mkcdrec.Core.Layout;
using Mkcdrec.Core.Tests.Planning;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Tests.Layout;

/// <summary>
/// Pins the text of `layout show` and `layout check` for layouts with every technology (md, LUKS, LVM with thin, btrfs,
/// ext/xfs/vfat/swap, mounts, boot, network), so moving the per-technology parts out of the central files keeps the
/// output byte for byte. The expected text is in Layout/pinned/; MKCDREC_PIN_WRITE=DIR writes it there instead of checking.
/// </summary>
public class LayoutOutputPinTests
{
    public static TheoryData<string> Layouts => new(PinnedLayouts.Names);

    public static TheoryData<string> Changes => new(PinnedLayouts.ChangeNames);

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Show_output_is_pinned(string name) => Pin($"show-{name}.txt", LayoutTree.Render(PinnedLayouts.Get(name)));

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Check_against_an_empty_layout_lists_every_fact(string name)
    {
        var layout = PinnedLayouts.Get(name);
        Pin($"check-new-{name}.txt", Render(LayoutComparer.Compare(new LayoutDocument(), layout)) + "--- removed\n"
            + Render(LayoutComparer.Compare(layout, new LayoutDocument())));
    }

    [Theory]
    [MemberData(nameof(Changes))]
    public void Check_of_changes_is_pinned(string name)
    {
        var (before, after) = PinnedLayouts.Change(name);
        Pin($"check-change-{name}.txt", Render(LayoutComparer.Compare(before, after)));
    }

    [Fact]
    public void Every_change_finds_something() =>
        Assert.All(PinnedLayouts.ChangeNames, n => Assert.NotEmpty(LayoutComparer.Compare(PinnedLayouts.Change(n).Before, PinnedLayouts.Change(n).After)));

    private static string Render(List<LayoutChange> changes) => string.Concat(changes.Select(c => c + "\n"));

    private static void Pin(string file, string actual)
    {
        if (Environment.GetEnvironmentVariable("MKCDREC_PIN_WRITE") is { Length: > 0 } dir)
        {
            File.WriteAllText(Path.Combine(dir, file), actual);
            return;
        }

        var expected = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Layout", "pinned", file));
        Assert.Equal(expected, actual);
    }
}
