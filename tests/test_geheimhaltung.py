"""Geheimhaltung veröffentlichter Berichtstabellen (architektur.md §10) an handgemachten Tabellen.

Jede erwartete Maske ist als Menge gesperrter Zellen (Zeile, Spalte) geschrieben und daneben hergeleitet.
Zeilen heißen wie ihr Index; die Summenzeile hat ebene = 'gemeinde', die Teile ebene = 'sozialraum'.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sozial_dwh.bericht.geheimhaltung import REGEL_TEXT, sperren
from sozial_dwh.bericht.modell import Spalte, Tabelle

NAN = np.nan


def anzahl(name: str, sichtbar: bool = True) -> Spalte:
    return Spalte(name, name, "anzahl", sichtbar=sichtbar)


def rate(name: str, basis: str, art: str = "quote") -> Spalte:
    return Spalte(name, name, art, basis=basis)


def tabelle(*spalten: Spalte, **kw) -> Tabelle:
    return Tabelle("t", "t", "Testtabelle", (Spalte("ebene", "Ebene"), *spalten), **kw)


def gesperrt(maske: pd.DataFrame) -> set[tuple[str, str]]:
    """Die gesperrten Zellen als Menge (Zeile, Spalte)."""
    return {(zeile, spalte) for spalte in maske.columns for zeile in maske.index[maske[spalte].to_numpy()]}


def frame(zeilen: dict[str, dict], ebene: dict[str, str] | None = None) -> pd.DataFrame:
    """Zeilen nach Index; ebene = 'gemeinde' für den Index 'gemeinde', sonst 'sozialraum'."""
    df = pd.DataFrame.from_dict(zeilen, orient="index")
    df.insert(0, "ebene", ["gemeinde" if i == "gemeinde" else "sozialraum" for i in df.index])
    return df


# --- primäre Sperrung -----------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float64", "Int64"])
def test_primaer_sperrt_1_und_2_nicht_0_3_und_leer(dtype: str) -> None:
    df = pd.DataFrame(
        {"ebene": ["x"] * 5, "n": pd.array([0, 1, 2, 3, None], dtype=dtype)}, index=list("abcde")
    )
    maske = sperren(df, tabelle(anzahl("n"), summe_spalte=None))
    # n = 0, 1, 2, 3, leer → nur 1 (b) und 2 (c); 0 wird veröffentlicht, 3 liegt über der Schwelle, leer bleibt leer
    assert gesperrt(maske) == {("b", "n"), ("c", "n")}
    assert list(maske.columns) == ["ebene", "n"]
    assert list(maske.index) == list("abcde")
    assert all(pd.api.types.is_bool_dtype(d) for d in maske.dtypes)


def test_schwelle_konfigurierbar() -> None:
    df = pd.DataFrame({"ebene": ["x"] * 5, "n": [0, 1, 2, 3, 4]}, index=list("abcde"))
    t = tabelle(anzahl("n"), summe_spalte=None)
    # max_anzahl = 3: 1, 2, 3 (b, c, d); 4 nicht
    assert gesperrt(sperren(df, t, max_anzahl=3)) == {("b", "n"), ("c", "n"), ("d", "n")}
    # max_anzahl = 1: nur 1 (b)
    assert gesperrt(sperren(df, t, max_anzahl=1)) == {("b", "n")}
    # max_anzahl = 0: keine primäre Sperrung
    assert gesperrt(sperren(df, t, max_anzahl=0)) == set()
    with pytest.raises(ValueError, match="max_anzahl"):
        sperren(df, t, max_anzahl=-1)


# --- Quoten folgen ihrer Basis --------------------------------------------------------------------------


def test_quote_folgt_basis_auch_unsichtbar() -> None:
    t = tabelle(
        anzahl("n"),
        rate("quote_n", "n"),
        rate("veraenderung_n", "n", art="veraenderung"),
        anzahl("zaehler", sichtbar=False),  # nur für die Geheimhaltung: Zähler von quote_z
        rate("quote_z", "zaehler"),
        rate("index_q", "quote_z", art="index"),  # Kette: Index auf einer Quote
        rate("quote_roh", "roh"),  # Basis steht im Datenrahmen, ist aber nicht beschrieben
        summe_spalte=None,
    )
    df = pd.DataFrame(
        {
            "n": [2, 40, 0, 2],
            "quote_n": [10.0, 20.0, 0.0, NAN],
            "veraenderung_n": [1.0, -2.0, 0.0, NAN],
            "zaehler": [50, 1, 0, 7],
            "quote_z": [5.0, 0.1, 0.0, 0.7],
            "index_q": [100.0, 2.0, 0.0, 14.0],
            "quote_roh": [1.0, 1.0, 10.0, 1.0],
            "roh": [10, 10, 1, 10],
        },
        index=["r1", "r2", "r3", "r4"],
    )
    df.insert(0, "ebene", "x")
    maske = sperren(df, t)
    assert gesperrt(maske) == {
        # r1: n = 2 primär → quote_n, veraenderung_n folgen
        ("r1", "n"), ("r1", "quote_n"), ("r1", "veraenderung_n"),
        # r2: unsichtbarer zaehler = 1 primär → quote_z folgt, index_q folgt quote_z
        ("r2", "zaehler"), ("r2", "quote_z"), ("r2", "index_q"),
        # r3: alles 0 → nichts aus n/zaehler; aber roh = 1 → quote_roh (roh selbst ist keine beschriebene Spalte)
        ("r3", "quote_roh"),
        # r4: n = 2 primär; quote_n und veraenderung_n sind leer und bleiben leer
        ("r4", "n"),
    }


# --- sekundäre Sperrung, spaltenweise -------------------------------------------------------------------


def test_veraenderung_folgt_auch_der_fallzahl_der_vorigen_ausgabe() -> None:
    """Heute 10 Fälle, in der vorigen Ausgabe 2 (dort gesperrt): „heute minus Veränderung“ ergäbe die 2 – die
    Veränderung wird gesperrt, obwohl die heutige Fallzahl veröffentlicht wird. Die Fallzahlen der vorigen Ausgabe
    bilden dieselbe Summengruppe: wäre nur a gesperrt, ließe sich a aus Gemeinde minus b minus c zurückrechnen
    (a = 30 − 12 − 16 = 2), also wird der kleinste weitere Teil (b: 12) auch gesperrt."""
    df = frame({
        "gemeinde": {"n": 40, "n_vorher": 30, "d": 10},   # 40 − 30
        "a": {"n": 10, "n_vorher": 2, "d": 8},            # 10 − 2
        "b": {"n": 14, "n_vorher": 12, "d": 2},           # 14 − 12
        "c": {"n": 16, "n_vorher": 16, "d": 0},           # 16 − 16
    })
    t = tabelle(anzahl("n"), anzahl("n_vorher", sichtbar=False),
                Spalte("d", "d", "veraenderung", basis="n", basis_vorher="n_vorher"))
    # primär: n_vorher von a (2); sekundär: n_vorher von b (12, kleinster weiterer Teil über 0); d folgt beiden
    assert gesperrt(sperren(df, t)) == {("a", "n_vorher"), ("b", "n_vorher"), ("a", "d"), ("b", "d")}


def test_gemeindewert_neben_jedem_raum_folgt_der_summenzeile() -> None:
    """Der Gemeindewert steht in jeder Zeile (Spalte g); ist er in der Gemeindezeile gesperrt (Fallzahl 2), darf
    er in keiner Zeile stehen. In der Gruppe ohne gesperrten Gemeindewert bleibt er überall."""
    df = frame({"gemeinde": {"n": 2, "q": 1.0, "g": 1.0}, "a": {"n": 0, "q": 0.0, "g": 1.0},
                "b": {"n": 2, "q": 2.0, "g": 1.0}})
    t = tabelle(anzahl("n"), rate("q", "n"), Spalte("g", "g", "quote", wie_summenzeile="q"))
    # n: gemeinde 2 und b 2 primär; q folgt; g in allen drei Zeilen wie q der Gemeindezeile
    assert gesperrt(sperren(df, t)) == {("gemeinde", "n"), ("b", "n"), ("gemeinde", "q"), ("b", "q"),
                                        ("gemeinde", "g"), ("a", "g"), ("b", "g")}
    df2 = frame({"gemeinde": {"n": 30, "q": 3.0, "g": 3.0}, "a": {"n": 10, "q": 1.0, "g": 3.0},
                 "b": {"n": 20, "q": 2.0, "g": 3.0}})
    assert gesperrt(sperren(df2, t)) == set()


def test_spaltenweise_naechstkleinster_teil() -> None:
    t = tabelle(anzahl("n"), rate("quote", "n"))
    # Summenzeile steht bewusst am Ende: erkannt wird sie an ebene = 'gemeinde'
    df = frame({
        "A": {"n": 2, "quote": 1.0},
        "E": {"n": 0, "quote": 0.0},
        "B": {"n": 15, "quote": 7.5},
        "C": {"n": 8, "quote": 4.0},
        "D": {"n": 35, "quote": 17.5},
        "gemeinde": {"n": 60, "quote": 6.0},
    })
    maske = sperren(df, t)
    # A = 2 primär; Summe 60 veröffentlicht → A = 60 − 0 − 15 − 8 − 35 wäre zurückrechenbar.
    # Kleinster weiterer Teil über 0: E = 0 zählt nicht, dann C = 8 (< 15 < 35) → C sekundär; quote folgt n.
    assert gesperrt(maske) == {("A", "n"), ("C", "n"), ("A", "quote"), ("C", "quote")}
    # Zurückrechnen geht nicht mehr: Summe − veröffentlichte Teile = 60 − 0 − 15 − 35 = 10 = A + C, zwei Unbekannte
    teile = df["ebene"] == "sozialraum"
    offen = df.loc[teile & ~maske["n"], "n"].sum()
    assert df.loc["gemeinde", "n"] - offen == 10
    assert maske.loc[teile, "n"].sum() == 2


def test_spaltenweise_gleichstand_erster_in_zeilenfolge() -> None:
    df = frame({"gemeinde": {"n": 12}, "A": {"n": 5}, "B": {"n": 2}, "C": {"n": 5}})
    # B = 2 primär; A und C gleich klein (5) → der erste in Zeilenfolge: A
    assert gesperrt(sperren(df, tabelle(anzahl("n")))) == {("B", "n"), ("A", "n")}


def test_zwei_unabhaengige_gruppen() -> None:
    t = tabelle(Spalte("indikator", "Indikator"), anzahl("n"), gruppe=("indikator",))
    df = pd.DataFrame(
        {
            "ebene": ["gemeinde", "sozialraum", "sozialraum", "sozialraum"] * 2,
            "indikator": ["X"] * 4 + ["Y"] * 4,
            "n": [30, 1, 9, 20, 50, 20, 12, 18],
        },
        index=["X0", "XA", "XB", "XC", "Y0", "YA", "YB", "YC"],
    )
    maske = sperren(df, t)
    # X: A = 1 primär, Summe 30 veröffentlicht → kleinster weiterer Teil B = 9 sekundär.
    # Y: nichts klein → nichts gesperrt (auch YB = 12, der kleinste Teil von Y, bleibt offen).
    assert gesperrt(maske) == {("XA", "n"), ("XB", "n")}
    # ohne `gruppe` wären es zwei Summenzeilen in einer Gruppe – das ist ein Beschreibungsfehler
    with pytest.raises(ValueError, match="2 Summenzeilen"):
        sperren(df, tabelle(Spalte("indikator", "Indikator"), anzahl("n")))


def test_ohne_summe_spalte_keine_spaltengruppen() -> None:
    df = frame({"gemeinde": {"n": 12}, "A": {"n": 2}, "B": {"n": 10}})
    # summe_spalte=None: keine Summenzeile → nur A primär, keine sekundäre Sperrung
    assert gesperrt(sperren(df, tabelle(anzahl("n"), summe_spalte=None))) == {("A", "n")}


# --- sekundäre Sperrung, zeilenweise --------------------------------------------------------------------


def test_zeilenweise_m_plus_w_gleich_insgesamt() -> None:
    t = tabelle(anzahl("m"), anzahl("w"), anzahl("insgesamt"), summe_spalte=None,
                zeilensummen=(("insgesamt", ("m", "w")),))
    df = frame({
        "r1": {"m": 2, "w": 10, "insgesamt": 12},
        "r2": {"m": 5, "w": 1, "insgesamt": 6},
        "r3": {"m": 0, "w": 7, "insgesamt": 7},
        "r4": {"m": 3, "w": 4, "insgesamt": 7},
    })
    maske = sperren(df, t)
    assert gesperrt(maske) == {
        ("r1", "m"), ("r1", "w"),  # m = 2 primär; m = 12 − 10 wäre zurückrechenbar → w sekundär
        ("r2", "w"), ("r2", "m"),  # w = 1 primär → m sekundär
        # r3: 0 wird veröffentlicht; r4: nichts ≤ 2
    }


def test_iteration_zeilenweise_loest_spaltenweise_aus() -> None:
    t = tabelle(anzahl("a"), anzahl("b"), anzahl("c"), anzahl("insg"),
                zeilensummen=(("insg", ("a", "b", "c")),))
    df = frame({
        "gemeinde": {"a": 15, "b": 41, "c": 55, "insg": 111},
        "X": {"a": 2, "b": 5, "c": 40, "insg": 47},
        "Y": {"a": 4, "b": 30, "c": 8, "insg": 42},
        "Z": {"a": 9, "b": 6, "c": 7, "insg": 22},
    })
    maske = sperren(df, t)
    # primär: X.a = 2
    # Runde 1 spaltenweise: a: X gesperrt, kleinster weiterer Teil Y.a = 4 → Y.a
    # Runde 1 zeilenweise: X: nur a → kleinster weiterer Teil X.b = 5 (< 40) → X.b
    #                      Y: nur a → Y.c = 8 (< 30) → Y.c
    # Runde 2 spaltenweise (ausgelöst durch die zeilenweisen Sperren):
    #                      b: nur X.b → kleinster weiterer Teil Z.b = 6 (< 30) → Z.b
    #                      c: nur Y.c → Z.c = 7 (< 40) → Z.c
    # Runde 2 zeilenweise: Z: b und c gesperrt → fertig; Runde 3 ändert nichts.
    assert gesperrt(maske) == {
        ("X", "a"), ("Y", "a"), ("X", "b"), ("Y", "c"), ("Z", "b"), ("Z", "c"),
    }
    _keine_gruppe_mit_genau_einer_sperre(df, maske, t)


def test_allein_gesperrte_zeilensumme_wird_geschuetzt() -> None:
    t = tabelle(anzahl("m"), anzahl("w"), anzahl("insg"), zeilensummen=(("insg", ("m", "w")),))
    df = frame({
        "gemeinde": {"m": 13, "w": 29, "insg": 42},
        "A": {"m": 2, "w": 0, "insg": 2},
        "B": {"m": 6, "w": 4, "insg": 10},
        "C": {"m": 5, "w": 25, "insg": 30},
    })
    maske = sperren(df, t)
    # primär: A.m = 2, A.insg = 2
    # spaltenweise m: nur A → kleinster weiterer Teil C.m = 5 (< 6) → C.m
    # spaltenweise insg: nur A → B.insg = 10 (< 30) → B.insg
    # zeilenweise B: nur die Summe insg gesperrt – sie ergäbe sich aus 6 + 4, und dann A.insg = 42 − 10 − 30.
    #                → kleinster Teil B.w = 4 (< 6) → B.w
    # zeilenweise C: nur m → C.w; spaltenweise w: B und C gesperrt → fertig.
    assert gesperrt(maske) == {
        ("A", "m"), ("A", "insg"), ("C", "m"), ("B", "insg"), ("B", "w"), ("C", "w"),
    }


# --- Rückfall: die Summe wird gesperrt ------------------------------------------------------------------


def test_rueckfall_summe_wenn_kein_weiterer_teil() -> None:
    # Die Gesamtstadt enthält 7 Fälle ohne Sozialraum; B = 0, C leer.
    df = frame({"gemeinde": {"n": 9}, "A": {"n": 2}, "B": {"n": 0}, "C": {"n": NAN}})
    # A = 2 primär; weitere Teile: B = 0 und C leer kommen nicht in Frage → die Summe wird gesperrt
    assert gesperrt(sperren(df, tabelle(anzahl("n")))) == {("A", "n"), ("gemeinde", "n")}


def test_rueckfall_summe_im_zusammenspiel() -> None:
    t = tabelle(anzahl("u18"), anzahl("ab18"), anzahl("insg"), zeilensummen=(("insg", ("u18", "ab18")),))
    df = frame({
        "gemeinde": {"u18": 27, "ab18": 10, "insg": 37},
        "A": {"u18": 2, "ab18": 10, "insg": 12},
        "B": {"u18": 25, "ab18": 0, "insg": 25},
    })
    maske = sperren(df, t)
    # primär: A.u18 = 2
    # Runde 1 spaltenweise u18: nur A → einziger weiterer Teil B.u18 = 25
    # Runde 1 zeilenweise A: nur u18 → A.ab18 = 10;  B: nur u18, ab18 = 0 kommt nicht in Frage → Summe B.insg
    # Runde 2 spaltenweise ab18: nur A, B.ab18 = 0 → Summe gemeinde.ab18;  insg: nur B → A.insg = 12
    # Runde 2 zeilenweise gemeinde: nur ab18 → gemeinde.u18 = 27
    # Runde 3: u18 3×, ab18 2×, insg 2× gesperrt, gemeinde-Zeile 2× → fertig
    assert gesperrt(maske) == {
        ("A", "u18"), ("B", "u18"), ("A", "ab18"), ("B", "insg"),
        ("gemeinde", "ab18"), ("A", "insg"), ("gemeinde", "u18"),
    }


# --- Eingabe bleibt unverändert, Ergebnis ist deterministisch, Fehler ----------------------------------


def test_eingabe_unveraendert_und_deterministisch() -> None:
    t = tabelle(anzahl("m"), anzahl("w"), anzahl("insg"), rate("quote", "insg"),
                zeilensummen=(("insg", ("m", "w")),))
    df = frame({
        "gemeinde": {"m": 13, "w": 29, "insg": 42, "quote": 4.2},
        "A": {"m": 2, "w": 0, "insg": 2, "quote": 0.2},
        "B": {"m": 6, "w": 4, "insg": 10, "quote": 1.0},
        "C": {"m": 5, "w": 25, "insg": 30, "quote": 3.0},
    })
    vorher = df.copy(deep=True)
    erste = sperren(df, t)
    pd.testing.assert_frame_equal(df, vorher)
    pd.testing.assert_frame_equal(sperren(df, t), erste)
    assert erste.values.any()


def test_fehlende_spalte_ist_ein_fehler() -> None:
    df = pd.DataFrame({"ebene": ["gemeinde"], "n": [3]})
    with pytest.raises(ValueError, match="quote"):
        sperren(df, tabelle(anzahl("n"), rate("quote", "n")))
    with pytest.raises(ValueError, match="summe_spalte"):
        sperren(df.drop(columns="ebene"), Tabelle("t", "t", "t", (anzahl("n"),)))


def test_regel_text() -> None:
    text = REGEL_TEXT.format(max_anzahl=3)
    assert "1 bis 3" in text and "{" not in text


# --- Eigenschaft über zufällige kleine Tabellen ---------------------------------------------------------


def _keine_gruppe_mit_genau_einer_sperre(df: pd.DataFrame, maske: pd.DataFrame, t: Tabelle) -> None:
    """Keine Summengruppe (spalten- oder zeilenweise) mit nicht leerer Summe hat genau eine gesperrte Zelle bei
    veröffentlichter Summe – und auch keine allein gesperrte Summe, deren Teile nicht alle 0 oder leer sind."""
    gruppen = df.groupby(list(t.gruppe)) if t.gruppe else [(None, df)]
    anzahl = [s.name for s in t.spalten if s.art == "anzahl"]
    for _, g in gruppen:
        summe = g.index[g["ebene"] == "gemeinde"]
        for spalte in anzahl:
            zellen = maske.loc[g.index, spalte]
            if zellen.sum() == 1 and g.loc[summe, spalte].notna().all():
                assert zellen.loc[summe].all(), (spalte, list(g.index), "Teil zurückrechenbar")
                teile = g.loc[g.index.difference(summe), spalte]
                assert (teile.fillna(0) == 0).all(), (spalte, list(g.index), "Summe zurückrechenbar")
    for summe, teile in t.zeilensummen:
        spalten = [summe, *teile]
        # leere Zeilensumme: keine Gleichung, nichts zurückrechenbar
        einzeln = (maske[spalten].sum(axis=1) == 1) & df[summe].notna()
        assert maske.loc[einzeln, summe].all(), "Teil einer Zeilensumme zurückrechenbar"
        assert (df.loc[einzeln, list(teile)].fillna(0) == 0).all(axis=None), "Zeilensumme zurückrechenbar"


def _zufallstabelle(rng: np.random.Generator) -> tuple[pd.DataFrame, Tabelle]:
    """1–2 Indikatoren mit je 2–6 Sozialräumen; m, w viele kleine Werte, selten leer; insg und Summen stimmen."""
    teile = []
    for indikator in ["X", "Y"][: rng.integers(1, 3)]:
        k = int(rng.integers(2, 7))
        m = np.where(rng.random(k) < 0.6, rng.integers(0, 5, k), rng.integers(0, 60, k)).astype(float)
        w = np.where(rng.random(k) < 0.6, rng.integers(0, 5, k), rng.integers(0, 60, k)).astype(float)
        m[rng.random(k) < 0.05] = NAN
        g = pd.DataFrame({"ebene": "sozialraum", "indikator": indikator, "m": m, "w": w})
        summe = {"ebene": "gemeinde", "indikator": indikator, "m": np.nansum(m), "w": w.sum()}
        teile.append(pd.concat([g, pd.DataFrame([summe])]))
    df = pd.concat(teile, ignore_index=True)
    df["insg"] = df["m"] + df["w"]
    df["quote"] = df["insg"] / 10
    df = df.iloc[rng.permutation(len(df))]  # Summenzeile an beliebiger Stelle
    df.index = [f"z{i}" for i in range(len(df))]
    t = Tabelle(
        "t", "t", "t",
        (Spalte("ebene", "Ebene"), Spalte("indikator", "Indikator"), anzahl("m"), anzahl("w"), anzahl("insg"),
         rate("quote", "insg")),
        gruppe=("indikator",),
        zeilensummen=(("insg", ("m", "w")),),
    )
    return df, t


def test_eigenschaft_zufallstabellen() -> None:
    rng = np.random.default_rng(20240611)
    for _ in range(60):
        df, t = _zufallstabelle(rng)
        max_anzahl = int(rng.choice([2, 3]))
        maske = sperren(df, t, max_anzahl=max_anzahl)
        werte = df[["m", "w", "insg"]]
        # primär: alles über 0 bis max_anzahl gesperrt; 0 und leer nie (auch nicht sekundär)
        klein = (werte > 0) & (werte <= max_anzahl)
        assert maske[["m", "w", "insg"]][klein].fillna(True).all(axis=None)
        assert not maske[["m", "w", "insg"]][(werte == 0) | werte.isna()].fillna(False).any(axis=None)
        # die Quote folgt ihrer Basis (außer leer)
        assert (maske["quote"] == (maske["insg"] & df["quote"].notna())).all()
        assert not maske[["ebene", "indikator"]].any(axis=None)
        _keine_gruppe_mit_genau_einer_sperre(df, maske, t)
