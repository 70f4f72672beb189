namespace Mkcdrec.Model.Layout;

public sealed class UnsupportedDevice
{
    public string Device { get; set; } = "";

    public string Kind { get; set; } = "";

    public string Reason { get; set; } = "";
}
