namespace Mkcdrec.TestVm.Serve;

/// <summary>
/// A network segment of the test's own: a network namespace with a bridge (10.77.0.1/24, serve's interface) and one tap
/// device per client QEMU, all gone with the namespace. Nothing of the host's network is touched: serve's dnsmasq
/// answers DHCP only on this bridge.
/// </summary>
public sealed class ServeSegment : IDisposable
{
    public const string Bridge = "br0";
    public const string Address = "10.77.0.1";

    public ServeSegment(int taps)
    {
        Namespace = "mkcdrec-serve-" + Guid.NewGuid().ToString("N")[..8];
        Ip("netns", "add", Namespace);
        try
        {
            Ip("-n", Namespace, "link", "set", "lo", "up");
            Ip("-n", Namespace, "link", "add", Bridge, "type", "bridge");
            Ip("-n", Namespace, "addr", "add", Address + "/24", "dev", Bridge);
            Ip("-n", Namespace, "link", "set", Bridge, "up");
            for (var i = 0; i < taps; i++)
            {
                Ip("-n", Namespace, "tuntap", "add", "dev", Tap(i), "mode", "tap");
                Ip("-n", Namespace, "link", "set", Tap(i), "master", Bridge);
                Ip("-n", Namespace, "link", "set", Tap(i), "up");
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Namespace { get; }

    public static string Tap(int i) => "tap" + i;

    /// <summary>QEMU's NIC on tap <paramref name="i"/>, at <paramref name="bootIndex"/> in the firmware's boot order (PXE).</summary>
    public static string[] Nic(int i, string mac, int bootIndex = 1) =>
        ["-netdev", $"tap,id=n{i},ifname={Tap(i)},script=no,downscript=no", "-device", $"virtio-net-pci,netdev=n{i},mac={mac},bootindex={bootIndex}"];

    private static void Ip(params string[] args) => HostProcess.Checked("ip", args);

    public void Dispose() => HostProcess.Run("ip", ["netns", "del", Namespace]);
}
