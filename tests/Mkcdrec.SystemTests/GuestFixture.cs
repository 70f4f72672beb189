using Mkcdrec.TestVm;

namespace Mkcdrec.SystemTests;

/// <summary>
/// ONE BIOS guest shared by every test class in the "guest" collection, booted on first use (building the cached image
/// if needed) and powered off after the last class. Tests that change the scratch disks call <c>Vm.WipeDisks()</c> first.
/// </summary>
public sealed class GuestFixture : IDisposable
{
    public static readonly IReadOnlyList<long> DiskSizes = [Size.GiB(1), Size.GiB(1), Size.GiB(2)];

    public GuestFixture()
    {
        Vm = Mkcdrec.TestVm.TestVm.Start(new TestVmOptions { Disks = DiskSizes, Firmware = Firmware.Bios });
        Timings.Report($"guest image build: {(GuestImage.BuildTime is { } b ? $"{b.TotalSeconds:F0} s" : "cached")}");
        Timings.Report($"boot to ready (BIOS, shared guest): {Vm.BootTime.TotalSeconds:F1} s");
    }

    public Mkcdrec.TestVm.TestVm Vm { get; }

    public void Dispose() => Vm.Dispose();
}

[CollectionDefinition("guest")]
public sealed class GuestCollection : ICollectionFixture<GuestFixture>
{
}

/// <summary>Measured figures: printed on standard error (the console) and into the test's output.</summary>
internal static class Timings
{
    public static void Report(string line)
    {
        Console.Error.WriteLine("testvm timing: " + line);
        TestContext.Current.TestOutputHelper?.WriteLine(line);
    }
}
