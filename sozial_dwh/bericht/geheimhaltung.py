"""Geheimhaltung veröffentlichter Berichtstabellen (architektur.md §10).

`sperren` bestimmt für eine Berichtstabelle, welche Zellen in der Veröffentlichung (Excel, CSV, Grafiken) als
„*“ erscheinen. Sie gibt nur eine Maske zurück und verändert den Datenrahmen nicht: die Tabellen im Warehouse
(`bericht.*`) bleiben ungesperrt, die Summen werden stets aus den vollständigen Daten gebildet.

Ablauf (Spaltenarten und Summengruppen siehe `sozial_dwh.bericht.modell`):

1. Primäre Sperrung: Zellen der Art `anzahl` mit einem Wert über 0 bis einschließlich `max_anzahl`. 0 wird
   veröffentlicht, leere Zellen (NULL/NaN) bleiben leer.
2. Sekundäre Sperrung in Summengruppen. Eine Summengruppe ist entweder eine `anzahl`-Spalte innerhalb einer
   Gruppe (`gruppe`) mit der Summenzeile (`summe_spalte` = `summe_wert`) und den übrigen Zeilen als Teilen oder
   eine Zeile mit einer Summenspalte und ihren Teilspalten (`zeilensummen`). Ist in einer Gruppe genau eine
   Zelle gesperrt, ließe sie sich zurückrechnen (Summe = Summe der Teile); dann wird zusätzlich der kleinste
   ungesperrte Teil über 0 gesperrt (bei Gleichstand der erste in Zeilen- bzw. Spaltenfolge), gibt es keinen,
   die Summe. Das gilt auch, wenn die einzige gesperrte Zelle die Summe selbst ist (sie ergäbe sich aus den
   Teilen). Gruppen mit leerer Summe werden übersprungen (keine Gleichung); leere Teile zählen als bekannt.
   Spalten- und zeilenweise Prüfung wechseln sich ab, bis sich nichts mehr ändert.
3. Quoten, Veränderungen und Indexwerte folgen ihrer Basis (`Spalte.basis`, auch wenn diese unsichtbar ist):
   gesperrt, wenn die Basiszelle gesperrt ist oder einen Wert über 0 bis `max_anzahl` hat. Leere Zellen bleiben leer.
   Eine Veränderung seit der vorigen Ausgabe folgt außerdem der Fallzahl am Vergleichsstichtag (`basis_vorher`,
   eine unsichtbare Spalte der Art `anzahl` mit primärer und sekundärer Sperrung): sonst ergäbe „heute minus
   Veränderung“ den früheren Wert, auch einen, den die vorige Ausgabe gesperrt hat.
4. Spalten, die den Wert der Summenzeile in jeder Zeile wiederholen (`wie_summenzeile`, z. B. der Gemeindewert),
   sind gesperrt, wo dieser Wert in der Summenzeile gesperrt ist.

Grenzen: geprüft wird nur, dass keine Summengruppe genau eine gesperrte Zelle hat. Verkettungen mehrerer Gruppen
(ein lineares Gleichungssystem über viele Zeilen und Spalten) oder enge Wertebereiche gesperrter Zellen werden
nicht vollständig ausgeschlossen; ebenso wenig Quoten mit kleinem Nenner, denn eine Spalte hat nur eine Basis.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sozial_dwh.bericht.modell import Tabelle

GESPERRT = "*"  # Zeichen für gesperrte Zellen in der Veröffentlichung
RATEN = ("quote", "veraenderung", "index")  # Arten, die ihrer Basis-Fallzahl folgen

REGEL_TEXT = (
    "Geheimhaltung: Fallzahlen von 1 bis {max_anzahl} werden nicht veröffentlicht, sondern durch „*“ ersetzt "
    "(primäre Sperrung); der Wert 0 wird ausgewiesen. Quoten, Veränderungen und Indexwerte, die auf einer "
    "gesperrten Fallzahl beruhen, werden ebenfalls gesperrt – eine Veränderung seit der vorigen Ausgabe auch dann, "
    "wenn die Fallzahl am Stichtag der vorigen Ausgabe gesperrt wäre. Ließe sich ein gesperrter Wert aus einer Summe "
    "zurückrechnen – aus der Summenzeile (z. B. Gesamtstadt) oder aus einer Summenspalte derselben Zeile "
    "(z. B. Insgesamt = männlich + weiblich) –, wird zusätzlich der kleinste weitere Wert über 0 dieser Summe "
    "gesperrt oder, wenn es keinen gibt, die Summe selbst (sekundäre Sperrung). Summen und Quoten werden stets "
    "aus den vollständigen Daten berechnet; gesperrte Werte sind in den Summen enthalten."
)


def sperren(frame: pd.DataFrame, tabelle: Tabelle, max_anzahl: int = 2,
            vorgesperrt: pd.DataFrame | None = None) -> pd.DataFrame:
    """Gibt eine boolesche Maske zurück (gleicher Index, Spalten = `frame.columns`): True = Zelle wird als „*“
    veröffentlicht. `frame` bleibt unverändert. Regeln siehe Moduldokumentation.

    `vorgesperrt`: Zellen, die schon anderswo gesperrt sind (gleicher Index, Spalten eine Teilmenge; z. B. aus
    `uebernehmen`); sie zählen wie primär gesperrte, auch für die sekundäre Sperrung."""
    if isinstance(max_anzahl, bool) or not isinstance(max_anzahl, (int, np.integer)) or max_anzahl < 0:
        raise ValueError(f"max_anzahl muss eine ganze Zahl ≥ 0 sein, nicht {max_anzahl!r}")
    if not frame.columns.is_unique:
        doppelt = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        raise ValueError(f"Tabelle {tabelle.name}: doppelte Spaltennamen {doppelt}")

    position = {name: i for i, name in enumerate(frame.columns)}
    anzahl = [s.name for s in tabelle.spalten if s.art == "anzahl"]
    _pruefe_spalten(frame, tabelle, anzahl)

    werte = {name: _zahlen(frame, tabelle, name) for name in anzahl}
    maske = np.zeros((len(frame), len(frame.columns)), dtype=bool)

    # 1. primäre Sperrung (und was anderswo schon gesperrt ist)
    for name in anzahl:
        maske[:, position[name]] = _klein(werte[name], max_anzahl)
    if vorgesperrt is not None:
        for name in vorgesperrt.columns:
            if name in position:
                maske[:, position[name]] |= vorgesperrt[name].reindex(frame.index, fill_value=False) \
                    .to_numpy(dtype=bool)

    # 2. sekundäre Sperrung, spalten- und zeilenweise im Wechsel bis zum Fixpunkt
    spaltengruppen = _spaltengruppen(frame, tabelle)
    zeilengruppen = [  # (Spaltenpositionen [Summe, Teile…], Werte Zeilen × dieselben Spalten)
        (np.array([position[n] for n in (summe, *teile)]), np.column_stack([werte[n] for n in (summe, *teile)]))
        for summe, teile in tabelle.zeilensummen
    ]
    geaendert = True
    while geaendert:
        geaendert = False
        for name in anzahl:
            spalte = maske[:, position[name]]  # Sicht auf die Maske: Änderungen wirken direkt
            for zeilen in spaltengruppen:  # zeilen[0] = Summenzeile, zeilen[1:] = Teile
                geaendert |= _ergaenze(spalte, werte[name], zeilen)
        for spalten, v in zeilengruppen:
            zellen = np.arange(len(spalten))
            for i in range(len(frame)):
                zeile = maske[i, spalten]  # Kopie (fancy indexing)
                if _ergaenze(zeile, v[i], zellen):
                    maske[i, spalten] = zeile
                    geaendert = True

    # 3. Quoten, Veränderungen und Indexwerte folgen ihrer Basis (auch Ketten: Veränderung einer Quote)
    _raten_folgen(frame, tabelle, maske, position, max_anzahl)
    # 4. Wiederholte Werte der Summenzeile
    _wie_summenzeile(frame, tabelle, maske, position, spaltengruppen)

    return pd.DataFrame(maske, index=frame.index, columns=frame.columns)


def uebernehmen(frame: pd.DataFrame, andere: pd.DataFrame, andere_maske: pd.DataFrame,
                schluessel: tuple[str, ...]) -> pd.DataFrame:
    """Maske für `frame` (Index wie `frame`, Spalten = gemeinsame Spalten beider Tabellen): True, wo dieselbe Zeile
    (gleiche `schluessel`) in der anderen Tabelle gesperrt ist."""
    gemeinsam = [c for c in frame.columns if c in andere.columns and c not in schluessel]
    links = frame[list(schluessel)].astype("string").reset_index(names="_zeile")
    rechts = pd.concat([andere[list(schluessel)].astype("string"),
                        andere_maske[gemeinsam].add_suffix("_gesperrt")], axis=1)
    zusammen = links.merge(rechts, on=list(schluessel), how="left").set_index("_zeile")
    if not zusammen.index.is_unique:
        raise ValueError(f"Schlüssel {', '.join(schluessel)} ist in der anderen Tabelle nicht eindeutig")
    maske = pd.DataFrame(False, index=frame.index, columns=gemeinsam)
    for name in gemeinsam:
        maske[name] = zusammen[f"{name}_gesperrt"].reindex(frame.index).astype("boolean").fillna(False).astype(bool)
    return maske


def _pruefe_spalten(frame: pd.DataFrame, tabelle: Tabelle, anzahl: list[str]) -> None:
    """Alle für die Geheimhaltung nötigen Spalten müssen im Datenrahmen stehen – sonst lieber laut scheitern."""
    noetig: dict[str, str] = {name: "Fallzahl" for name in anzahl}
    for s in tabelle.spalten:
        if s.art in RATEN and s.basis:
            noetig.setdefault(s.name, f"{s.art} mit Basis {s.basis}")
            noetig.setdefault(s.basis, f"Basis von {s.name}")
        if s.basis_vorher:
            if s.basis_vorher not in anzahl:
                raise ValueError(f"Tabelle {tabelle.name}: {s.name}: basis_vorher {s.basis_vorher} ist keine Spalte "
                                 "der Art 'anzahl'")
        if s.wie_summenzeile:
            noetig.setdefault(s.name, f"wie die Summenzeile in {s.wie_summenzeile}")
            noetig.setdefault(s.wie_summenzeile, f"Summenzeile von {s.name}")
    for summe, teile in tabelle.zeilensummen:
        for name in (summe, *teile):
            if name not in anzahl:
                raise ValueError(
                    f"Tabelle {tabelle.name}: Zeilensumme {summe} = {' + '.join(teile)}: "
                    f"{name} ist keine Spalte der Art 'anzahl'"
                )
    if tabelle.summe_spalte is not None:
        noetig.setdefault(tabelle.summe_spalte, "summe_spalte (sonst summe_spalte=None setzen)")
        for name in tabelle.gruppe:
            noetig.setdefault(name, "gruppe")
    fehlend = [f"{name} ({zweck})" for name, zweck in noetig.items() if name not in frame.columns]
    if fehlend:
        raise ValueError(f"Tabelle {tabelle.name}: Spalten fehlen für die Geheimhaltung: {', '.join(fehlend)}")


def _zahlen(frame: pd.DataFrame, tabelle: Tabelle, name: str) -> np.ndarray:
    """Spalte als float-Array, NULL/NA als NaN."""
    try:
        zahlen = pd.to_numeric(frame[name], errors="raise")
    except (ValueError, TypeError) as exc:
        raise ValueError(f"Tabelle {tabelle.name}, Spalte {name}: keine Zahlen ({exc})") from exc
    return zahlen.to_numpy(dtype=float, na_value=np.nan)


def _klein(werte: np.ndarray, max_anzahl: int) -> np.ndarray:
    """Primär zu sperren: über 0 bis einschließlich max_anzahl (NaN ist nie klein)."""
    with np.errstate(invalid="ignore"):
        return (werte > 0) & (werte <= max_anzahl)


def _spaltengruppen(frame: pd.DataFrame, tabelle: Tabelle) -> list[np.ndarray]:
    """Zeilenpositionen je Summengruppe: [Summenzeile, Teil, Teil, …] in Zeilenfolge.

    Gruppen ohne Summenzeile oder ohne Teile bilden keine Gleichung und fehlen. Mehr als eine Summenzeile in
    einer Gruppe deutet auf eine fehlende `gruppe`-Spalte hin und ist ein Fehler."""
    if tabelle.summe_spalte is None or frame.empty:
        return []
    ist_summe = frame[tabelle.summe_spalte].eq(tabelle.summe_wert).to_numpy(dtype=bool, na_value=False)
    if tabelle.gruppe:
        kennung = frame.groupby(list(tabelle.gruppe), dropna=False, sort=False).ngroup().to_numpy()
    else:
        kennung = np.zeros(len(frame), dtype=int)
    gruppen = []
    for k in np.unique(kennung):
        zeilen = np.flatnonzero(kennung == k)
        summen = zeilen[ist_summe[zeilen]]
        teile = zeilen[~ist_summe[zeilen]]
        if len(summen) > 1:
            raise ValueError(
                f"Tabelle {tabelle.name}: {len(summen)} Summenzeilen ({tabelle.summe_spalte} = "
                f"{tabelle.summe_wert!r}) in einer Gruppe (Zeilen {list(summen)}); fehlt eine Spalte in `gruppe`?"
            )
        if len(summen) == 1 and len(teile) > 0:
            gruppen.append(np.concatenate([summen, teile]))
    return gruppen


def _ergaenze(gesperrt: np.ndarray, werte: np.ndarray, zellen: np.ndarray) -> bool:
    """Sekundäre Sperrung einer Summengruppe; `zellen[0]` ist die Summe, `zellen[1:]` sind die Teile.

    Ist genau eine Zelle gesperrt, wird in `gesperrt` der kleinste ungesperrte Teil über 0 gesperrt (erster bei
    Gleichstand), sonst die Summe. Gibt zurück, ob sich etwas geändert hat."""
    if np.isnan(werte[zellen[0]]):
        return False  # leere Summe: nichts lässt sich zurückrechnen
    g = gesperrt[zellen]
    if np.count_nonzero(g) != 1:
        return False
    teile = zellen[1:]
    v = werte[teile]
    kandidat = ~g[1:] & ~np.isnan(v) & (v != 0)
    if kandidat.any():
        auswahl = np.flatnonzero(kandidat)
        gesperrt[teile[auswahl[np.argmin(np.abs(v[auswahl]))]]] = True  # argmin: erster bei Gleichstand
        return True
    if not g[0]:
        gesperrt[zellen[0]] = True
        return True
    return False  # nur die Summe gesperrt und alle Teile 0/leer: nichts weiter zu verbergen


def _raten_folgen(
    frame: pd.DataFrame, tabelle: Tabelle, maske: np.ndarray, position: dict[str, int], max_anzahl: int
) -> None:
    raten = [s for s in tabelle.spalten if s.art in RATEN and s.basis]
    if not raten:
        return
    arten = {s.name: s.art for s in tabelle.spalten}
    klein = {
        s.basis: _klein(_zahlen(frame, tabelle, s.basis), max_anzahl)
        for s in raten
        if arten.get(s.basis) not in RATEN  # Basis ist eine Fallzahl (auch unsichtbar oder nicht beschrieben)
    }
    leer = {s.name: frame[s.name].isna().to_numpy(dtype=bool) for s in raten}
    geaendert = True
    while geaendert:  # Ketten (z. B. Veränderung einer Quote) bis zum Fixpunkt
        geaendert = False
        for s in raten:
            basis = maske[:, position[s.basis]]
            if s.basis in klein:
                basis = basis | klein[s.basis]
            if s.basis_vorher:
                basis = basis | maske[:, position[s.basis_vorher]]
            neu = maske[:, position[s.name]] | (basis & ~leer[s.name])
            if not np.array_equal(neu, maske[:, position[s.name]]):
                maske[:, position[s.name]] = neu
                geaendert = True


def _wie_summenzeile(frame: pd.DataFrame, tabelle: Tabelle, maske: np.ndarray, position: dict[str, int],
                     gruppen: list[np.ndarray]) -> None:
    for s in tabelle.spalten:
        if not s.wie_summenzeile:
            continue
        leer = frame[s.name].isna().to_numpy(dtype=bool)
        for zeilen in gruppen:  # zeilen[0] = Summenzeile
            if maske[zeilen[0], position[s.wie_summenzeile]]:
                maske[zeilen, position[s.name]] |= ~leer[zeilen]
