"""Geheimhaltung im Text der Konferenzergebnisse (architektur.md §10): die Berichtstabelle „Konferenzergebnisse“ nennt
zu jedem Ergebnis die Werte seiner Indikatoren („Kinderarmut … 22,4 % (Gemeinde 14,4)“). Beruht ein Wert auf einer
Fallzahl von 1 bis `geheimhaltung_max`, steht dort „*“ wie in den Tabellen – sonst stünde im Text, was die
Tabelle „Indikatoren“ sperrt.

Echte Beispieldaten (Sitzungs-Fixture `beispiel_ausgaben`), eine Kopie der Analysekopie mit strengerer Grenze für
die Ausgabe 2022, darauf die Abfrage sql/bericht/konferenz.sql wie beim Bau der Ausgabe.
"""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb

from sozial_dwh.config import SQL_DIR

STICHTAG = dt.date(2022, 12, 31)


def _de(wert: float) -> str:
    return f"{round(wert, 1)}".replace(".", ",")


def test_indikatorwerte_im_konferenztext_folgen_der_geheimhaltung(beispiel_ausgaben, tmp_path):
    kopie = tmp_path / "analyse.duckdb"
    shutil.copy(beispiel_ausgaben.analyse, kopie)
    sql = (SQL_DIR / "bericht" / "konferenz.sql").read_text(encoding="utf-8")
    paare = """
        select bi.ergebnis_id, bi.indikator, bi.wert, bi.einheit, wz.zaehler
        from mart.bedarfe_indikatoren as bi
        inner join core.fact_konferenz_ergebnisse as e using (ergebnis_id)
        inner join mart.bedarfe as b using (ergebnis_id)
        left join mart.indikator_werte as wz on wz.stichtag = bi.stichtag and wz.gebiet_id = e.raum_id
            and wz.ebene = e.raum_ebene and wz.indikator_id = bi.indikator_id
        where b.konferenz_datum <= ? and bi.wert is not null and e.raum_ebene = 'sozialraum'"""
    with duckdb.connect(str(kopie)) as con:
        vorher = con.execute(sql, {"stichtag": STICHTAG}).df()
        # Grenze 2 (wie ausgeliefert): kein Zähler der Beispielkonferenz liegt bei 1 oder 2 – der Text ist
        # derselbe wie in mart.bedarfe
        werte = con.execute(paare, [STICHTAG]).fetchall()
        assert not any(1 <= z <= 2 for *_, z in werte if z is not None)
        erwartet = con.execute("select indikatoren_text from mart.bedarfe where konferenz_datum <= ? order by "
                               "konferenz_datum, sozialraum_id nulls last, art, prioritaet nulls last, nr",
                               [STICHTAG]).fetchall()
        assert [t for (t,) in erwartet] == [t if isinstance(t, str) else None for t in vorher["indikatoren_text"]]

        # Grenze 400: Zähler von 1 bis 400 gesperrt
        con.execute("update core.dim_bericht set geheimhaltung_max = 400 where stichtag = ?", [STICHTAG])
        texte = " | ".join(t for t in con.execute(sql, {"stichtag": STICHTAG}).df()["indikatoren_text"] if
                           isinstance(t, str))
    gesperrt = [(i, w, e) for _, i, w, e, z in werte if z is not None and 1 <= z <= 400]
    offen = [(i, w, e) for _, i, w, e, z in werte if z is not None and z > 400]
    assert gesperrt and offen  # beide Fälle kommen in den Beispieldaten vor
    for indikator, wert, einheit in gesperrt:
        assert f"{indikator} {_de(wert)} {einheit}" not in texte, indikator
        assert f"{indikator} *" in texte
    for indikator, wert, einheit in offen:
        assert f"{indikator} {_de(wert)} {einheit}" in texte
