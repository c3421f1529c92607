package org.neuralstyle.command;

import org.neuralstyle.stylebank.StyleBankModel;
import org.neuralstyle.stylebank.StyleMix;

import java.awt.Canvas;
import java.awt.Choice;
import java.awt.Color;
import java.awt.Dimension;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics;
import java.awt.Image;
import java.awt.event.MouseAdapter;
import java.awt.event.MouseEvent;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;

import javax.imageio.ImageIO;

/**
 * The styles of a model as a grid of thumbnails in a dialog. Clicking one selects it in the
 * dialog's style choice (so the choice, and the recorded macro line, stay the single source of
 * the value); choosing in the list highlights the picture. Without a choice it is a legend.
 */
final class StylePicker extends Canvas {

	/** Preferences shared by the StyleBank dialogs (the model and device last used). */
	static final String PREF = "neuralstyle.stylebank.";

	/** A component in a panel for {@code GenericDialog.addPanel}. */
	static java.awt.Panel panel(java.awt.Component c) {
		java.awt.Panel p = new java.awt.Panel(new java.awt.FlowLayout(java.awt.FlowLayout.LEFT, 0, 0));
		p.add(c);
		return p;
	}


	static final int CELL = 72, LABEL = 14, GAP = 6, MAX_COLUMNS = 6;

	private final List<String> ids = new ArrayList<>();
	private final List<Image> pictures = new ArrayList<>();
	private final Choice choice;
	private final Runnable onPick;
	private final int columns, rows;

	StylePicker(StyleBankModel model, boolean withReconstruction, Choice choice, Runnable onPick) {
		this.choice = choice;
		this.onPick = onPick;
		for (StyleBankModel.Style s : model.styles()) {
			ids.add(s.id());
			pictures.add(picture(model.thumbnail(s.id())));
		}
		if (withReconstruction) {
			ids.add(StyleMix.RECONSTRUCTION);
			pictures.add(null);
		}
		columns = Math.max(1, Math.min(MAX_COLUMNS, ids.size()));
		rows = (ids.size() + columns - 1) / columns;
		setPreferredSize(new Dimension(columns * (CELL + GAP) + GAP, rows * (CELL + LABEL + GAP) + GAP));
		if (choice != null) {
			choice.addItemListener(e -> repaint());
			addMouseListener(new MouseAdapter() {
				@Override
				public void mouseClicked(MouseEvent e) {
					int i = indexAt(e.getX(), e.getY());
					if (i < 0) return;
					choice.select(ids.get(i));
					repaint();
					if (onPick != null) onPick.run();
				}
			});
		}
	}

	/** The thumbnail index under a point, or -1. */
	int indexAt(int x, int y) {
		int c = (x - GAP) / (CELL + GAP), r = (y - GAP) / (CELL + LABEL + GAP);
		if (x < GAP || y < GAP || c >= columns || r >= rows) return -1;
		int i = r * columns + c;
		return i < ids.size() ? i : -1;
	}

	static Image picture(byte[] png) {
		if (png == null) return null;
		try {
			return ImageIO.read(new ByteArrayInputStream(png));
		}
		catch (Exception e) {
			return null; // a broken thumbnail is shown as a labelled box; the style itself still works
		}
	}

	@Override
	public void paint(Graphics g) {
		g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
		FontMetrics fm = g.getFontMetrics();
		String selected = choice == null ? null : choice.getSelectedItem();
		for (int i = 0; i < ids.size(); i++) {
			int x = GAP + (i % columns) * (CELL + GAP), y = GAP + (i / columns) * (CELL + LABEL + GAP);
			Image p = pictures.get(i);
			if (p != null) g.drawImage(p, x, y, CELL, CELL, null);
			else {
				g.setColor(new Color(0xdddddd));
				g.fillRect(x, y, CELL, CELL);
				g.setColor(Color.GRAY);
				String s = ids.get(i).equals(StyleMix.RECONSTRUCTION) ? "no style" : "no picture";
				g.drawString(s, x + (CELL - fm.stringWidth(s)) / 2, y + CELL / 2);
			}
			String label = ids.get(i);
			while (label.length() > 3 && fm.stringWidth(label) > CELL) label = label.substring(0, label.length() - 2) + "\u2026";
			g.setColor(Color.BLACK);
			g.drawString(label, x + (CELL - fm.stringWidth(label)) / 2, y + CELL + LABEL - 3);
			if (ids.get(i).equals(selected)) {
				g.setColor(new Color(0x2060d0));
				g.drawRect(x - 2, y - 2, CELL + 3, CELL + 3);
				g.drawRect(x - 3, y - 3, CELL + 5, CELL + 5);
			}
		}
	}
}
