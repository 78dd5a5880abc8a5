package plots

import (
	"bytes"
	"errors"
	"image/png"
	"math"
	"testing"
)

func TestRenderPretrain(t *testing.T) {
	c := PretrainCurves{Title: "runs/pretrain-world",
		TrainSteps: []int{10, 20, 30, 40}, TrainLoss: []float64{8.1, 7.2, 6.0, 5.5},
		HeldOutSteps: []int{20, 40}, HeldOutLoss: []float64{7.0, math.NaN()}}
	data, err := RenderPretrain(c, "png", PretrainWidth, PretrainHeight)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != int(PretrainWidth) || b.Dy() != int(PretrainHeight) {
		t.Errorf("image %v", b)
	}
	svg, err := RenderPretrain(c, "svg", PretrainWidth, PretrainHeight)
	if err != nil || !bytes.Contains(svg, []byte("Held-out perplexity")) {
		t.Errorf("svg: %v", err)
	}
	if _, err := RenderPretrain(PretrainCurves{Title: "empty"}, "png", 640, 400); !errors.Is(err, ErrNoData) {
		t.Errorf("no data: %v", err)
	}
	if _, err := RenderPretrain(c, "png", 40, 40); err == nil {
		t.Error("a 40×40 image was drawn")
	}
	if _, err := RenderPretrain(c, "gif", 640, 400); err == nil {
		t.Error("a gif was drawn")
	}
}
