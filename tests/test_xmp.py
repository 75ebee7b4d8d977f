"""The XMP packet kept in step with the document information dictionary (archive.xmp):
whatever form the packet takes, each equivalent is set once and the PDF/A claim stays."""

from __future__ import annotations

import pytest

from archive import xmp

# As LibreOffice writes it: one rdf:Description per schema, the claim in the first.
LIBREOFFICE = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <pdfaid:part>2</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">Old title</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>City Education Bureau</rdf:li></rdf:Seq></dc:creator>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdf:Producer>LibreOffice 7.4</pdf:Producer>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>""".encode()

# As pyHanko writes it: simple properties as attributes of a single description.
PYHANKO = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
 pdfaid:part="2" pdfaid:conformance="B" rdf:about="" pdf:Producer="pyHanko 0.38.0"/>
</rdf:RDF></x:xmpmeta>
<?xpacket end="r"?>""".encode()


def test_a_title_set_in_a_libreoffice_packet_replaces_the_old_one_and_keeps_the_claim():
    packet = xmp.sync(LIBREOFFICE, {"/Title": "通知", "/bureau.kind": "notice"})
    values = xmp.read(packet)
    assert values[(xmp.DC, "title")] == "通知"
    assert values[(xmp.PDFAID, "part")] == "2" and values[(xmp.PDFAID, "conformance")] == "B"
    assert values[(xmp.DC, "creator")] == "City Education Bureau"  # not named: kept
    assert packet.count(b"<dc:title") == 1
    assert packet.rstrip().endswith(b'<?xpacket end="r"?>')


def test_an_attribute_property_is_replaced_not_doubled():
    packet = xmp.sync(PYHANKO, {"/Producer": "pyHanko 0.38.0; bureau"})
    assert xmp.read(packet)[(xmp.PDF, "Producer")] == "pyHanko 0.38.0; bureau"
    assert packet.count(b"Producer") == 2  # <pdf:Producer>...</pdf:Producer>


def test_dates_are_written_in_xmp_form():
    packet = xmp.sync(LIBREOFFICE, {"/CreationDate": "D:20261207030713Z'"})
    assert xmp.read(packet)[(xmp.XMP, "CreateDate")] == "2026-12-07T03:07:13Z"
    packet = xmp.sync(LIBREOFFICE, {"/ModDate": "D:20260301093000+08'00'"})
    assert xmp.read(packet)[(xmp.XMP, "ModifyDate")] == "2026-03-01T09:30:00+08:00"


def test_an_empty_value_removes_the_equivalent():
    packet = xmp.sync(LIBREOFFICE, {"/Author": ""})
    assert (xmp.DC, "creator") not in xmp.read(packet)


@pytest.mark.parametrize(
    "packet",
    [b"not xml", b"<x/>", b'<!DOCTYPE x [<!ENTITY a "a">]>' + LIBREOFFICE.split(b"?>", 1)[1]],
    ids=["not XML", "no rdf:RDF", "a DTD"],
)
def test_a_packet_that_is_not_xmp_is_an_xmp_error(packet):
    with pytest.raises(xmp.XmpError):
        xmp.read(packet)
