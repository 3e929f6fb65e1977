"""Dateien nach einem Lieferprofil lesen (`sozial_dwh.profile`; docs/architektur.md, „Lieferprofile“).

Derselbe Würfelsammler wie bei den eingebauten Layouts (`CubeBuilder`): Gebiete gegen die Gebietsgliederung,
doppelte Zellen, Summenzeilen, DIN-55301-Zeichen, Stichtag-Widersprüche – alles wie dort, mit Fundstelle. Das
Profil sagt nur, wo was steht. Was es nicht sagt, wird nicht geraten: eine Altersgruppe „6-15“ ohne
`altersgruppen` lehnt die Datei mit der Frage ab; eine Spalte, die weder zugeordnet noch ignoriert ist, wird
gemeldet; ein Zellwert, den `zeilen` oder `dimensionen` nicht kennt, geht mit Meldung in Quarantäne.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

from sozial_dwh.parsing import (
    INSGESAMT,
    CellError,
    code_text,
    is_blank,
    norm,
    parse_age,
    parse_category,
    parse_count,
    parse_date,
)
from sozial_dwh.profile import Frage, Muster, Profil, Zuordnung, datum_nach_format
from sozial_dwh.readers.table import NOTE_SHEETS, Table
from sozial_dwh.readers.workbook import FileRejected, Sheet, column_letter
from sozial_dwh.sources.base import ReadContext, ReadResult
from sozial_dwh.sources.cube import TOTAL, CubeBuilder

KATEGORIEN = ("geschlecht", "staatsangehoerigkeit", "migrationshintergrund")  # mit Wortschatz in parsing
VORGABE_INSGESAMT = ("geschlecht", "staatsangehoerigkeit", "migrationshintergrund", "rechtskreis")


# --- Kopfzeile ------------------------------------------------------------------------------------


def kopf_texte(zeilen: list[list[object]], kopfzeilen: int) -> list[str]:
    """Die Überschriften aus `kopfzeilen` Zeilen, je Spalte zu einem Text verbunden. Verbundene Zellen der oberen
    Zeilen (nur die erste Zelle trägt den Text) gelten für die Spalten rechts daneben, soweit darunter etwas steht."""
    breite = max((len(z) for z in zeilen), default=0)
    gefuellt = [list(z) + [None] * (breite - len(z)) for z in zeilen]
    for oben in gefuellt[:-1]:
        letzter = None
        for c in range(breite):
            if not is_blank(oben[c]):
                letzter = oben[c]
            elif letzter is not None and any(not is_blank(z[c]) for z in gefuellt[gefuellt.index(oben) + 1:]):
                oben[c] = letzter
            else:
                letzter = None
    texte = []
    for c in range(breite):
        teile = [str(z[c]).strip() for z in gefuellt if not is_blank(z[c])]
        texte.append(" ".join(teile))
    return texte


@dataclass
class Kopf:
    sheet: Sheet
    zeile: int  # letzte Kopfzeile, 1-basiert
    texte: list[str]

    def spalte(self, ueberschrift: str) -> int | None:
        treffer = [c for c, t in enumerate(self.texte) if t and norm(t) == norm(ueberschrift)]
        if len(treffer) > 1:
            found = " und ".join(column_letter(c) for c in treffer)
            raise FileRejected(f"Die Überschrift „{ueberschrift}“ steht in mehreren Spalten ({found}; Blatt "
                               f"„{self.sheet.name}“, Kopfzeile {self.zeile}). Welche gilt, wird nicht geraten: bitte "
                               "die überzählige Spalte löschen.")
        return treffer[0] if treffer else None


def benoetigte_spalten(profil: Profil) -> list[str]:
    """Überschriften, die das Profil nennt und die in der Kopfzeile stehen müssen."""
    namen = list(profil.erkennen_spalten)
    for name in (profil.gebiet_spalte, profil.wert, profil.stichtag_spalte, profil.gemeinde_spalte,
                 profil.zeilen_spalte, *(d.spalte for d in profil.dimensionen), *profil.filter):
        if name and name not in namen:
            namen.append(name)
    return namen


def finde_kopf(sheets: list[Sheet], profil: Profil, max_zeilen: int = 40) -> Kopf | None:
    """Blatt und Kopfzeile, in der alle benötigten Überschriften stehen. Zwei Blätter mit passender Kopfzeile sind
    mehrdeutig, außer das Profil nennt ein Blatt."""
    namen = benoetigte_spalten(profil)
    kandidaten = [s for s in sheets if norm(s.name) not in NOTE_SHEETS]
    if profil.blatt:
        kandidaten = [s for s in sheets if norm(s.name) == norm(profil.blatt)]
    gefunden = []
    for sheet in kandidaten:
        kopf = _kopf_im_blatt(sheet, profil.kopfzeilen, namen, max_zeilen)
        if kopf:
            gefunden.append(kopf)
    if len(gefunden) > 1:
        blaetter = " und ".join(f"„{k.sheet.name}“" for k in gefunden)
        raise FileRejected(f"Die Blätter {blaetter} passen beide zum {profil.ort}. Welches gilt, wird nicht geraten: "
                           "bitte im Profil „blatt:“ angeben oder das andere Blatt entfernen.")
    return gefunden[0] if gefunden else None


def _kopf_im_blatt(sheet: Sheet, kopfzeilen: int, namen: list[str], max_zeilen: int) -> Kopf | None:
    gesucht = {norm(n) for n in namen}
    kopf = sheet.head[:max_zeilen + kopfzeilen]
    for start in range(max(0, min(max_zeilen, len(kopf) - kopfzeilen + 1))):
        texte = kopf_texte(kopf[start:start + kopfzeilen], kopfzeilen)
        if gesucht <= {norm(t) for t in texte if t}:
            return Kopf(sheet, start + kopfzeilen, texte)
    return None


def erkennt(profil: Profil, dateiname: str, sheets: list[Sheet]) -> bool:
    """Erkennt das Profil die Datei? Dateiname (Muster) und Kopfzellen müssen passen, soweit angegeben."""
    if profil.erkennen_dateiname and not profil.erkennt_dateiname(dateiname):
        return False
    if profil.erkennen_spalten:
        try:
            return finde_kopf(sheets, profil) is not None
        except FileRejected:
            return True  # passt (mehrdeutig): das Lesen meldet es
    return True


# --- Zahlen und Altersgruppen ----------------------------------------------------------------------

_EN_ZAHL = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
_ZWEI_ZAHLEN = re.compile(r"^(?:von)?(\d+)(?:-|–|—|bis|_)(\d+)$")
_BIS_UNTER = re.compile(r"^(?:von)?(\d+)(?:-|–|—|bis)?(?:<|unter|bisunter)(\d+)$")


def alter_aus_text(text: object, altersgruppen: str | None, profil: Profil, wo: str) -> tuple[int, int | None]:
    """(von, bis einschließlich) einer Altersangabe. Zwei Zahlen ohne „unter“ („6-15“) sind nur mit
    `altersgruppen` lesbar; sonst eine Frage (die Datei wird abgelehnt, nie geraten)."""
    n = norm(text).replace("jahren", "").replace("jahre", "")
    if m := _BIS_UNTER.match(n):
        return _band(int(m[1]), int(m[2]) - 1, text, wo)
    if m := _ZWEI_ZAHLEN.match(n):
        von, bis = int(m[1]), int(m[2])
        if altersgruppen is None:
            raise profil.frage(
                f"{wo}: „{text}“ ist eine Altersgruppe mit zwei Zahlen. Einschließlich ({von} bis {bis} Jahre) oder "
                f"„bis unter“ ({von} bis {bis - 1} Jahre)? Das wird nicht geraten: bitte im Profil "
                "„altersgruppen: einschliesslich“ oder „altersgruppen: bis_unter“ eintragen")
        return _band(von, bis if altersgruppen == "einschliesslich" else bis - 1, text, wo)
    band = parse_age(text if isinstance(text, str | int | float) else str(text))
    if band is None:
        raise profil.frage(f"{wo}: „{text}“ ist keine lesbare Altersangabe (z. B. 17, unter 6, 6-15, 65 und mehr)")
    return band.von, band.bis


def _band(von: int, bis: int, text: object, wo: str) -> tuple[int, int]:
    if bis < von:
        raise FileRejected(f"{wo}: Altersgruppe „{text}“ endet vor ihrem Anfang.")
    return von, bis


class Zellen:
    """Übersetzt Profil-Koordinaten in den Merkmalsschlüssel des Würfels der Quelle. `merkmale`: der Merkmalskatalog
    (merkmale.csv) für die Quelle `merkmale` – ein Merkmal wird an Kennung oder Name erkannt, sonst abgelehnt."""

    def __init__(self, profil: Profil, dims: tuple[str, ...], merkmale: dict | None = None):
        self.profil = profil
        self.dims = dims
        self.merkmale = merkmale
        self._suche = {norm(k): m for m in (merkmale or {}).values() for k in (m.merkmal, m.name)}

    def schluessel(self, koordinaten: dict[str, object], treffer: object, wo: str) -> tuple:
        werte = {k: _ersetze(v, treffer) for k, v in koordinaten.items()}
        ergebnis = []
        alter = self._alter(werte, wo) if "alter_von" in self.dims else None
        for dim in self.dims:
            if dim == "alter_von":
                ergebnis.append(alter[0])
            elif dim == "alter_bis":
                ergebnis.append(alter[1])
            elif dim in werte:
                ergebnis.append(self.auspraegung(dim, werte[dim], wo))
            elif dim in VORGABE_INSGESAMT:
                ergebnis.append(INSGESAMT)
            else:
                raise self.profil.frage(f"{wo}: die Zuordnung nennt das Merkmal „{dim}“ nicht, das die Quelle "
                                        f"{self.profil.quelle} für jede Zelle braucht")
        return tuple(ergebnis)

    def auspraegung(self, dim: str, wert: object, wo: str) -> str:
        if dim == "merkmal" and self.merkmale is not None:
            merkmal = self._suche.get(norm(wert))
            if merkmal is None:
                raise FileRejected(f"{wo}: Merkmal „{wert}“ ist nicht in merkmale.csv erklärt ({self.profil.ort}). "
                                   "Bitte das Merkmal dort eintragen (Kennung, Name, Art, Einheit, Quelle) oder die "
                                   "Zuordnung berichtigen.")
            return merkmal.merkmal
        if dim in KATEGORIEN:
            try:
                return parse_category(dim, wert)
            except CellError as exc:
                raise FileRejected(f"{wo}: {exc} ({self.profil.ort}).") from exc
        return code_text(wert)

    def _alter(self, werte: dict[str, object], wo: str) -> tuple[int, int | None]:
        if "alter" in werte:
            return alter_aus_text(werte["alter"], self.profil.altersgruppen, self.profil, wo)
        try:
            von = int(str(werte.get("alter_von", 0)))
            if "alter_bis_unter" in werte:
                bis = int(str(werte["alter_bis_unter"])) - 1
            elif "alter_bis" in werte and werte["alter_bis"] not in (None, ""):
                bis = int(str(werte["alter_bis"]))
            else:
                bis = None
        except ValueError as exc:
            raise FileRejected(f"{wo}: Altersgrenze ist keine ganze Zahl ({exc}; {self.profil.ort}).") from exc
        if bis is not None and bis < von:
            raise FileRejected(f"{wo}: Altersgruppe {von} bis {bis} endet vor ihrem Anfang ({self.profil.ort}).")
        return von, bis


def _ersetze(wert: object, treffer: object) -> object:
    """$1, $2 … (und $0) durch die Gruppen des regulären Ausdrucks ersetzen."""
    if not isinstance(wert, str) or "$" not in wert or not isinstance(treffer, re.Match):
        return wert
    return re.sub(r"\$(\d)", lambda m: treffer.group(int(m[1])) or "", wert)


# --- Lesen ---------------------------------------------------------------------------------------


class ProfilLeser:
    """Liest eine Datei nach einem Profil in die Rohtabelle seiner Quelle."""

    def __init__(self, profil: Profil, raw_table: str, dims: tuple[str, ...], describe=None,
                 wertspalte: str = "anzahl", merkmale: dict | None = None, lesen=None):
        """`wertspalte`, `merkmale`, `lesen` (Merkmal -> Zahlenleser nach seiner Art) nur für die Quelle merkmale."""
        self.profil = profil
        self.raw_table = raw_table
        self.dims = dims
        self.describe = describe
        self.wertspalte = wertspalte
        self.merkmale = merkmale
        self.lesen = lesen
        self.zellen = Zellen(profil, dims, merkmale)

    def read(self, sheets: list[Sheet], ctx: ReadContext) -> ReadResult:
        try:
            return self._read(sheets, ctx)
        except Frage as exc:
            raise FileRejected(f"{exc}. Danach die Datei erneut in den Eingang legen (Vorschau: "
                               f"`sozial-dwh check --profil {self.profil.name} DATEI`).") from exc

    def _read(self, sheets: list[Sheet], ctx: ReadContext) -> ReadResult:
        profil = self.profil
        self.orte(profil, ctx)
        kopf = finde_kopf(sheets, profil)
        if kopf is None:
            fehlend = ", ".join(f"„{n}“" for n in benoetigte_spalten(profil))
            raise FileRejected(f"Keine Kopfzeile mit den Spalten {fehlend} gefunden ({profil.ort}, "
                               f"{profil.kopfzeilen} Kopfzeile(n)). Bitte die Überschriften im Profil mit der Datei "
                               "vergleichen.")
        spalten = {"gebiet": kopf.spalte(profil.gebiet_spalte)}
        for name, ueberschrift in (("stichtag", profil.stichtag_spalte), ("gemeinde", profil.gemeinde_spalte),
                                   ("wert", profil.wert), ("zeilen", profil.zeilen_spalte)):
            if ueberschrift:
                spalten[name] = kopf.spalte(ueberschrift)
        for d in profil.dimensionen:
            spalten[f"dim:{d.name}"] = kopf.spalte(d.spalte)
        for f in profil.filter:
            spalten[f"filter:{f}"] = kopf.spalte(f)
        breit = self._breite_spalten(kopf) if profil.layout == "breit" else []
        for c, _, _ in breit:
            spalten[f"spalte:{c}"] = c
        table = Table(kopf.sheet, kopf.zeile, spalten, kopf.texte)
        builder = CubeBuilder(self.raw_table, kopf.sheet.name, ctx, self.dims, describe=self.describe,
                              wertspalte=self.wertspalte)
        self.builder, self.table, self.kopf = builder, table, kopf
        self._bezirke = {norm(g.stadtbezirk): g.stadtbezirk for g in ctx.matcher.by_id.values() if g.stadtbezirk}
        self._namen: dict[str, list] = {}
        for g in ctx.matcher.by_id.values():
            self._namen.setdefault(norm(g.name), []).append(g)
        self.zaehler: Counter = Counter()
        if profil.layout == "breit":
            self._lies_breit(breit)
        else:
            self._lies_lang()
        result = builder.finish()
        blatt = "" if ctx.dateiname.lower().endswith(".csv") else f"Blatt „{kopf.sheet.name}“, "
        teile = [f"{blatt}Kopfzeile {kopf.zeile}, {profil.ort}: {result.row_count} Zellen gelesen"]
        for grund, anzahl in sorted(self.zaehler.items()):
            teile.append(f"{anzahl} {grund}")
        result.meldungen.insert(0, "; ".join(teile) + ".")
        return result

    @staticmethod
    def orte(profil: Profil, ctx: ReadContext) -> None:
        """Stichtag und Gemeinde aus dem Profil; ein Widerspruch zu Blatt „Info“ oder Dateiname lehnt ab."""
        try:
            stichtag = profil.stichtag or profil.stichtag_aus_dateiname(ctx.dateiname)
        except Frage as exc:
            raise FileRejected(f"{exc}.") from exc
        if stichtag is not None and ctx.stichtag_herkunft != profil.ort:
            if ctx.stichtag is not None and ctx.stichtag != stichtag:
                raise FileRejected(f"Stichtag widersprüchlich: {ctx.stichtag_herkunft} nennt {ctx.stichtag:%d.%m.%Y}, "
                                   f"das {profil.ort} {stichtag:%d.%m.%Y}. Welcher gilt, wird nicht geraten.")
            ctx.stichtag, ctx.stichtag_herkunft = stichtag, profil.ort
        if profil.gemeinde:
            ags = ctx.matcher.gemeinde_ags(profil.gemeinde)
            if ags is None:
                raise FileRejected(f"{profil.ort}: Gemeinde {profil.gemeinde} steht nicht in der Gebietsgliederung.")
            if ctx.gemeinde is not None and ctx.gemeinde != ags:
                raise FileRejected(f"Gemeinde widersprüchlich: Blatt „Info“ nennt {ctx.gemeinde}, das {profil.ort} "
                                   f"{ags}.")
            ctx.gemeinde = ags

    # --- breit -------------------------------------------------------------------------------------

    def _breite_spalten(self, kopf: Kopf) -> list[tuple[int, tuple, str]]:
        """(Spalte, Merkmalsschlüssel, Überschrift) je zugeordneter Datenspalte."""
        profil = self.profil
        eigene = {kopf.spalte(n) for n in (profil.gebiet_spalte, profil.stichtag_spalte, profil.gemeinde_spalte) if n}
        zugeordnet, offen = [], []
        for c, text in enumerate(kopf.texte):
            if c in eigene or not text:
                continue
            wo = f"Spalte {column_letter(c)} („{text}“)"
            if any(m.treffer(text) for m in profil.ignorieren):
                continue
            treffer = [(z, t) for z in profil.spalten if (t := z.muster.treffer(text))]
            if len(treffer) > 1:
                raise FileRejected(f"{wo} passt zu mehreren Einträgen unter „spalten“ im {profil.ort}: "
                                   + ", ".join(str(z.muster) for z, _ in treffer)
                                   + ". Welcher gilt, wird nicht geraten: bitte die Muster eindeutig machen.")
            if not treffer:
                offen.append(f"{column_letter(c)} „{text}“")
                continue
            zuordnung, t = treffer[0]
            if zuordnung.koordinaten is None:
                continue
            zugeordnet.append((c, self.zellen.schluessel(zuordnung.koordinaten, t, wo), text))
        doppelt = Counter(key for _, key, _ in zugeordnet)
        for key, anzahl in doppelt.items():
            if anzahl > 1:
                cols = [f"{column_letter(c)} („{t}“)" for c, k, t in zugeordnet if k == key]
                raise FileRejected(f"Die Spalten {' und '.join(cols)} ergeben nach dem {profil.ort} dieselbe "
                                   "Würfelzelle. Welche gilt, wird nicht geraten: bitte eine davon unter "
                                   "„ignorieren“ eintragen oder die Zuordnung berichtigen.")
        if not zugeordnet:
            raise FileRejected(f"Keine Spalte der Kopfzeile passt zu „spalten“ im {profil.ort}.")
        if offen:
            self.offene_spalten = offen
        return zugeordnet

    def _lies_breit(self, spalten: list[tuple[int, tuple, str]]) -> None:
        if getattr(self, "offene_spalten", None):
            self.builder.result.meldungen.append(
                f"Warnung: Spalten weder unter „spalten“ zugeordnet noch unter „ignorieren“ genannt, nicht geladen: "
                f"{', '.join(self.offene_spalten)} ({self.profil.ort}). Bitte eintragen, was sie sind.")
        for zeile, row in self.table.data_rows():
            ort = self._ort(zeile, row)
            if ort is None:
                continue
            stichtag, gebiet_id, bereich = ort
            for c, key, _ in spalten:
                self._wert(zeile, column_letter(c), stichtag, gebiet_id, key, row[c] if c < len(row) else None,
                           bereich)

    # --- lang --------------------------------------------------------------------------------------

    def _lies_lang(self) -> None:
        profil, table = self.profil, self.table
        i_wert = table.columns["wert"]
        i_zeilen = table.columns.get("zeilen")
        filter_ = [(table.columns[f"filter:{f}"], {norm(w) for w in werte}) for f, werte in profil.filter.items()]
        dims = [(d, table.columns[f"dim:{d.name}"]) for d in profil.dimensionen]
        cache: dict[tuple, object] = {}
        for zeile, row in table.data_rows():
            if any(norm(code_text(_zelle(row, i))) not in werte for i, werte in filter_):
                self.zaehler["Zeilen durch „filter“ des Profils ausgelassen"] += 1
                continue
            teile = (_zelle(row, i_zeilen) if i_zeilen is not None else None,
                     *(_zelle(row, i) for _, i in dims))
            try:
                key = cache.get(teile)
            except TypeError:
                key = None
            if key is None:
                key = self._lang_schluessel(zeile, teile, dims, i_zeilen)
                if key is None:
                    continue
                cache[teile] = key
            if key == "ignoriert":
                self.zaehler["Zeilen mit Werten, die das Profil ignoriert"] += 1
                continue
            ort = self._ort(zeile, row)
            if ort is None:
                continue
            stichtag, gebiet_id, bereich = ort
            self._wert(zeile, column_letter(i_wert), stichtag, gebiet_id, key, _zelle(row, i_wert), bereich)

    def _lang_schluessel(self, zeile: int, teile: tuple, dims: list, i_zeilen: int | None) -> tuple | str | None:
        """Merkmalsschlüssel einer Zeile aus `zeilen` und `dimensionen`; "ignoriert" oder None (Quarantäne)."""
        koordinaten: dict[str, object] = {}
        treffer: object = None
        if i_zeilen is not None:
            z, treffer = _zuordnung(self.profil.zeilen, teile[0])
            if z is None:
                self.builder.quarantine(zeile, column_letter(i_zeilen), f"Wert in Spalte „{self.profil.zeilen_spalte}“ "
                                        f"ist im {self.profil.ort} unter „zeilen“ nicht zugeordnet (bitte eintragen; "
                                        "leer = ignorieren)", teile[0])
                return None
            if z.koordinaten is None:
                return "ignoriert"
            koordinaten.update({k: _ersetze(v, treffer) for k, v in z.koordinaten.items()})
        for (d, i), wert in zip(dims, teile[1:], strict=True):
            if d.werte is not None:
                z, t = _zuordnung(d.werte, wert)
                if z is None:
                    self.builder.quarantine(zeile, column_letter(i), f"Wert in Spalte „{d.spalte}“ ist unter "
                                            f"„dimensionen: {d.name}“ im {self.profil.ort} nicht zugeordnet", wert)
                    return None
                if z.koordinaten is None:
                    return "ignoriert"
                wert = _ersetze(z.koordinaten[d.name], t)
            if d.name in koordinaten:
                self.builder.quarantine(zeile, column_letter(i), f"„{d.name}“ kommt aus „zeilen“ und aus "
                                        f"„dimensionen“ ({self.profil.ort}); welches gilt, wird nicht geraten", wert)
                return None
            koordinaten[d.name] = INSGESAMT if is_blank(wert) and d.name != "alter" else wert
        wo = f"Zeile {zeile}"
        try:
            return self.zellen.schluessel(koordinaten, treffer, wo)
        except FileRejected as exc:
            self.builder.quarantine(zeile, None, str(exc))
            return None

    # --- gemeinsam ---------------------------------------------------------------------------------

    def _ort(self, zeile: int, row: list[object]) -> tuple[dt.date, str, str] | None:
        """(Stichtag, Gebiet, Bereich) einer Datenzeile; Gebiet TOTAL für Summenzeilen der Gemeinde oder eines
        Stadtbezirks; None: Zeile in Quarantäne oder Zwischensumme ohne Prüfung."""
        table, builder = self.table, self.builder
        stichtag = self._stichtag(zeile, row)
        if stichtag is None:
            return None
        i_gebiet = table.columns["gebiet"]
        wert = _zelle(row, i_gebiet)
        if self._ist_summe(zeile, wert):
            bereich = self._summen_bereich(row)
            if bereich is None:
                self.zaehler["Zwischensummen der Datei (nicht geladen)"] += 1
                return None
            self.zaehler["Summenzeilen der Datei (nicht geladen, gegen die Gebiete geprüft)"] += 1
            return stichtag, TOTAL, bereich
        gemeinde = code_text(_zelle(row, table.columns["gemeinde"])) if "gemeinde" in table.columns else None
        gebiet_id = self._gebiet(wert, zeile, column_letter(i_gebiet), stichtag, gemeinde or None)
        if gebiet_id is None:
            return None
        gebiet = builder.ctx.matcher.by_id.get(gebiet_id)
        return stichtag, gebiet_id, (norm(gebiet.stadtbezirk) + "/") if gebiet and gebiet.stadtbezirk else ""

    def _ist_summe(self, zeile: int, wert: object) -> bool:
        profil = self.profil
        if profil.summen_ab_zeile is not None and zeile >= profil.summen_ab_zeile:
            return True
        return any(m.treffer(code_text(wert)) for m in profil.summen_werte)

    def _summen_bereich(self, row: list[object]) -> str | None:
        """Bereich einer Summenzeile: "" für die Gemeinde, „<Stadtbezirk>/“ für einen Stadtbezirk, den eine Zelle
        der Zeile nennt; None, wenn keine Zelle eine höhere Ebene nennt (dann nur gezählt)."""
        matcher = self.builder.ctx.matcher
        for zelle in row:
            if not isinstance(zelle, str | int | float) or is_blank(zelle):
                continue
            text = code_text(zelle)
            kurz = re.sub(r"^(stadt|gemeinde|freieundhansestadt|freiehansestadt)", "", norm(text))
            if matcher.gemeinde_ags(text) or (kurz and kurz in {norm(n) for n in matcher.gemeinden.values()}):
                return ""
            if norm(text) in self._bezirke:
                return norm(text) + "/"
        return None

    def _stichtag(self, zeile: int, row: list[object]) -> dt.date | None:
        builder, table, profil = self.builder, self.table, self.profil
        if "stichtag" not in table.columns:
            return builder.stichtag(None, zeile, None)
        wert = _zelle(row, table.columns["stichtag"])
        spalte = column_letter(table.columns["stichtag"])
        if is_blank(wert):
            return builder.stichtag(None, zeile, spalte)
        try:
            stichtag = datum_nach_format(wert, profil.stichtag_format) if profil.stichtag_format else parse_date(wert)
        except CellError as exc:
            builder.quarantine(zeile, spalte, str(exc), wert)
            return None
        builder.check_stichtag(stichtag, zeile, spalte)
        return stichtag

    def _gebiet(self, wert: object, zeile: int, spalte: str, stichtag: dt.date, gemeinde: str | None) -> str | None:
        profil, builder = self.profil, self.builder
        text = code_text(wert)
        if profil.gebiet_muster is not None and text:
            m = profil.gebiet_muster.search(text)
            if m is None:
                builder.quarantine(zeile, spalte, f"Gebietsangabe passt nicht zum Muster unter „gebiet: muster“ im "
                                   f"{profil.ort}", text)
                return None
            text = m.group(1)
        if profil.gebiet_auffuellen and text.isdigit():
            text = text.zfill(profil.gebiet_auffuellen)
        if profil.gebiet_nach == "name" and text and not is_blank(wert):
            return self._nach_name(text, zeile, spalte, stichtag)
        return builder.gebiet(text if text else wert, zeile, spalte, stichtag, gemeinde)

    def _nach_name(self, text: str, zeile: int, spalte: str, stichtag: dt.date) -> str | None:
        """Gebiet am Namen. Ein Name, den zwei Gebiete tragen, geht in Quarantäne. Der Name einer höheren Ebene
        ist nur dann unklar, wenn das Profil die Zwischensummen der Datei nicht nennt (sonst sind sie dort)."""
        builder = self.builder
        gebiete = self._namen.get(norm(text), [])
        gueltig = [g for g in gebiete if g.valid_at(stichtag)] or gebiete
        if len(gueltig) > 1:
            builder.quarantine(zeile, spalte, "Gebietsname ist mehrdeutig (" + ", ".join(g.gebiet_id for g in gueltig)
                               + "); bitte das Profil auf Schlüssel umstellen oder die Namen eindeutig machen", text)
            return None
        if not gueltig or not (self.profil.summen_ab_zeile or self.profil.summen_werte):
            return builder.gebiet(text, zeile, spalte, stichtag)
        return builder.gebiet(gueltig[0].gebiet_id, zeile, spalte, stichtag)

    def _wert(self, zeile: int, spalte: str, stichtag: dt.date, gebiet_id: str, key: tuple, roh: object,
              bereich: str) -> None:
        profil, builder = self.profil, self.builder
        parse = parse_count
        if self.merkmale is not None:  # Quelle merkmale: lesen nach der Art des Merkmals
            merkmal = self.merkmale[key[self.dims.index("merkmal")]]
            if gebiet_id == TOTAL and merkmal.art == "wert":
                return  # ein Wert (Quote, Mittel) ist nicht summierbar: keine Summenprüfung
            parse = self.lesen(merkmal)
        if isinstance(roh, str):
            text = roh.strip()
            if text in profil.fehlwerte:
                if gebiet_id != TOTAL:
                    builder.add_number(zeile, spalte, stichtag, gebiet_id, key, None, profil.fehlwerte[text], bereich)
                return
            if profil.tausender and text:
                text = re.sub(rf"(?<=\d){re.escape(profil.tausender)}(?=\d{{3}}(\D|$))", "", text)
            if profil.zahlen == "en" and text:
                if not _EN_ZAHL.match(text):
                    builder.quarantine(zeile, spalte, f"Anzahl: „{roh}“ ist keine Zahl in englischer Schreibweise "
                                       f"(zahlen: en im {profil.ort})", roh)
                    return
                roh = float(text.replace(",", ""))
            else:
                roh = text
        builder.add(zeile, spalte, stichtag, gebiet_id, key, roh, bereich, parse=parse)


def _zelle(row: list[object], index: int | None) -> object:
    if index is None or index >= len(row):
        return None
    return row[index]


def _zuordnung(zuordnungen: list[Zuordnung], wert: object) -> tuple[Zuordnung | None, object]:
    text = code_text(wert)
    for z in zuordnungen:
        t = z.muster.treffer(text)
        if t:
            return z, t
    return None, None


__all__ = ["ProfilLeser", "Muster", "alter_aus_text", "erkennt", "finde_kopf", "kopf_texte"]
