using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mkcdrec.Cli.Json;

/// <summary>A number written with a fixed count of decimals ("3.50"), as the fetch and progress lines always printed it.</summary>
internal abstract class FixedDecimalConverter(string format) : JsonConverter<double>
{
    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDouble();

    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value.ToString(format, CultureInfo.InvariantCulture), skipInputValidation: true);
}

internal sealed class OneDecimalConverter() : FixedDecimalConverter("0.0");

internal sealed class TwoDecimalsConverter() : FixedDecimalConverter("0.00");
